/**
 * The scale-out path in the infrastructure: an example environment with a second cache database
 * (`upstash.cacheShards`) gets that database, its rotated secret, and its grants and variables on
 * every function that reaches the cache; the configured environments keep one cache database.
 */
import { environment, validateEnvironment, type EnvironmentConfig } from '../../config';
import { cacheDatabaseFor, cacheDatabases } from '../../config/cache-databases';
import { RedisDatabase } from '../../providers/generated/upstash/redis-database';
import { inlinePolicies, ref, resources } from '../support/cdk-test-kit';
import { synthesizeApp } from './synthesized-app';

const GIB = 1024 ** 3;
const prod = environment('prod');
const TWO_CACHE_DATABASES: EnvironmentConfig = {
  ...prod,
  upstash: {
    ...prod.upstash,
    cacheShards: [{
      id: 'api', name: 'clarivum-cache-api-prod', eviction: true, budgetUsd: 150, monthlyRequestQuota: 150_000_000,
      memoryBudgetBytes: 5 * GIB, rotationStrategy: 'alternating-users', surfaces: ['api'],
    }],
  },
};

const app = synthesizeApp([TWO_CACHE_DATABASES]);

describe('an environment with two cache databases', () => {
  it('maps surfaces to databases: the shard claims its surfaces, the default keeps the rest', () => {
    expect(cacheDatabases(TWO_CACHE_DATABASES).map((d) => [d.shardId ?? 'default', d.surfaces])).toEqual([['default', ['marketing']], ['api', ['api']]]);
    expect(cacheDatabaseFor(TWO_CACHE_DATABASES, 'api').config.name).toBe('clarivum-cache-api-prod');
    expect(cacheDatabaseFor(prod, 'api').config.name).toBe('clarivum-cache-prod');
  });

  it('<env>-data holds both cache databases, evicting, with their budgets', () => {
    const data = app.stack('prod-data');
    expect(Object.keys(resources(data, 'upstash_redis_database'))).toHaveLength(3);
    expect(data.text).toHaveResourceWithProperties(RedisDatabase, { database_name: 'clarivum-cache-api-prod', eviction: true, budget: 150 });
    expect(data.text).toHaveResourceWithProperties(RedisDatabase, { database_name: 'clarivum-cache-prod', eviction: true });
  });

  it('<env>-secrets holds a rotated secret for the new database, tagged with its role and id', () => {
    const secrets = app.stack('prod-secrets');
    const secret = Object.values(resources(secrets, 'aws_secretsmanager_secret')).find((s) => s.name === 'clarivum/prod/upstash/cache-api');
    expect(secret).toBeDefined();
    const tags = secret?.tags as Record<string, string>;
    expect(tags['clarivum:upstash-database']).toBe('cache');
    expect(tags['clarivum:upstash-database-id']).toMatch(/cache-api/);
    expect(tags['clarivum:rotation-strategy']).toBe('alternating-users');
    expect(Object.keys(resources(secrets, 'aws_secretsmanager_secret_rotation'))).toHaveLength(3);
  });

  it.each(['cache', 'admin', 'warmup', 'audit'])('the %s function reads the new secret and is told where it is', (fn) => {
    const runtime = app.stack('prod-runtime');
    const lambda = Object.values(resources(runtime, 'aws_lambda_function')).find((f) => f.function_name === `clarivum-prod-${fn}`);
    const { variables } = lambda?.environment as { variables: Record<string, string> };
    expect(variables.UPSTASH_CACHE_API_SECRET_ID).toMatch(/cache-api-credentials/);
    const role = ref(app.stacks.prod.runtime.functions[fn as 'cache'].role.role, 'name');
    const reads = inlinePolicies(runtime).filter((p) => p.role === role).map((p) => p.name);
    expect(reads).toContain('read-cache-api-credentials');
  });

  it('the audit gets the new database id for its usage reads', () => {
    const lambda = Object.values(resources(app.stack('prod-runtime'), 'aws_lambda_function')).find((f) => f.function_name === 'clarivum-prod-audit');
    expect((lambda?.environment as { variables: Record<string, string> }).variables.UPSTASH_CACHE_API_DATABASE_ID).toMatch(/cache-api/);
  });
});

describe('cache shard validation names the bad field and value', () => {
  const shard = TWO_CACHE_DATABASES.upstash.cacheShards?.[0];
  const withShard = (patch: object): EnvironmentConfig => ({ ...prod, upstash: { ...prod.upstash, cacheShards: [{ ...shard, ...patch } as never] } });
  it.each([
    [{ surfaces: ['shop'] }, /cacheShards\[0\]\.surfaces\[0\] = "shop": expected a configured surface/],
    [{ id: 'API' }, /cacheShards\[0\]\.id = "API"/],
    [{ eviction: false }, /cacheShards\[0\]\.eviction = false: a cache database must evict/],
    [{ name: 'clarivum-cache-prod' }, /cacheShards\[0\]\.name = "clarivum-cache-prod": database names must be unique/],
    [{ surfaces: [] }, /cacheShards\[0\]\.surfaces = \[\]: expected at least one surface/],
  ])('%j', (patch, message) => {
    expect(() => validateEnvironment(withShard(patch))).toThrow(message);
  });
  it('refuses a surface claimed twice', () => {
    const twice: EnvironmentConfig = { ...prod, upstash: { ...prod.upstash, cacheShards: [shard, { ...shard, id: 'b', name: 'clarivum-cache-b' }] as never } };
    expect(() => validateEnvironment(twice)).toThrow(/cacheShards\[1\]\.surfaces\[0\] = "api": already served by cache shard "api"/);
  });
});
