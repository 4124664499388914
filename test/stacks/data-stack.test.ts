import { Testing } from 'cdktn';
import { ENVIRONMENT_NAMES, environment } from '../../config';
import { RedisDatabase } from '../../providers/generated/upstash/redis-database';
import { UpstashProvider } from '../../providers/generated/upstash/provider';
import { checkAgainstSchema, formatProblems } from '../support/schema-check';
import { inventory, resources } from '../support/cdk-test-kit';
import { synthesizeApp } from './synthesized-app';

const app = synthesizeApp();

describe('<env>-data', () => {
  it('holds the two Upstash databases and nothing else', () => {
    expect(inventory(app.stack('prod-data'))).toEqual(['upstash_redis_database x2']);
  });

  it.each(ENVIRONMENT_NAMES)('%s: cache evicts, guardrails never does; both global, TLS, budgeted, from config', (name) => {
    const env = environment(name);
    const { text } = app.stack(`${name}-data`);
    const common = {
      region: 'global',
      primary_region: 'eu-central-1',
      tls: true,
      ...(env.upstash.readRegions.length > 0 ? { read_regions: [...env.upstash.readRegions].sort() } : {}),
    };
    expect(text).toHaveResourceWithProperties(RedisDatabase, {
      ...common, database_name: `clarivum-cache-${name}`, eviction: true, budget: env.upstash.cache.budgetUsd,
    });
    expect(text).toHaveResourceWithProperties(RedisDatabase, {
      ...common, database_name: `clarivum-guardrails-${name}`, eviction: false, budget: env.upstash.guardrails.budgetUsd,
    });
  });

  it.each(ENVIRONMENT_NAMES)('%s: every upstash_* block uses only schema attributes and sets every required one', (name) => {
    expect(formatProblems(checkAgainstSchema(app.stack(`${name}-data`).json))).toBe('');
  });

  it('configures the Upstash provider without credentials: it reads UPSTASH_EMAIL/UPSTASH_API_KEY itself', () => {
    const s = app.stack('prod-data');
    expect(s.text).toHaveProvider(UpstashProvider);
    expect(s.json.provider?.upstash).toEqual([{}]);
    expect(s.text).not.toMatch(/api_key|"email"/);
  });

  it('outputs REST URLs and ids (never tokens), and the values the secrets stack references', () => {
    const outputs = app.stack('prod-data').json.output as Record<string, { value: string; sensitive?: boolean }>;
    expect(outputs['cache-rest-url'].value).toMatch(/^https:\/\/\$\{upstash_redis_database\.cache_database_\w+\.endpoint\}$/);
    expect(outputs['guardrails-database-id'].value).toMatch(/guardrails_database_\w+\.database_id/);
    expect(Object.values(outputs).map((o) => o.value).join('\n')).not.toMatch(/token|password/);
    const crossStack = Object.keys(outputs).filter((k) => k.startsWith('cross-stack-output-'));
    expect(crossStack.length).toBeGreaterThan(0);
  });

  it('passes the stack validations', () => {
    expect(() => Testing.synth(app.stacks.prod.data, true)).not.toThrow();
    expect(Object.keys(resources(app.stack('dev-data'), 'upstash_redis_database'))).toHaveLength(2);
  });
});
