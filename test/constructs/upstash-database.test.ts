import { Testing } from 'cdktn';
import { UpstashDatabase, type UpstashDatabaseProps } from '../../constructs/upstash/upstash-database';
import { RedisDatabase } from '../../providers/generated/upstash/redis-database';
import { UpstashProvider } from '../../providers/generated/upstash/provider';
import { checkAgainstSchema, formatProblems } from '../support/schema-check';
import { awsTestStack, inventory, ref, synth } from '../support/cdk-test-kit';

function make(props: Partial<UpstashDatabaseProps> = {}) {
  const { stack } = awsTestStack();
  new UpstashProvider(stack, 'upstash', {});
  const db = new UpstashDatabase(stack, 'cache', {
    databaseName: 'clarivum-cache-test', primaryRegion: 'eu-central-1', readRegions: ['us-east-1', 'ap-southeast-1'],
    eviction: true, budgetUsd: 50, ...props,
  });
  return { stack, db };
}

describe('UpstashDatabase', () => {
  it('creates one global TLS database with the primary and sorted read regions, eviction and budget', () => {
    const { stack } = make();
    expect(inventory(synth(stack))).toEqual(['upstash_redis_database x1']);
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(RedisDatabase, {
      database_name: 'clarivum-cache-test',
      region: 'global',
      primary_region: 'eu-central-1',
      read_regions: ['ap-southeast-1', 'us-east-1'],
      tls: true,
      eviction: true,
      budget: 50,
    });
  });

  it('keeps eviction off when asked and omits read regions when there are none', () => {
    const { stack } = make({ eviction: false, readRegions: [] });
    const db = Object.values(synth(stack).json.resource!.upstash_redis_database)[0];
    expect(db.eviction).toBe(false);
    expect(db).not.toHaveProperty('read_regions');
  });

  it('uses only schema attributes and sets every required one', () => {
    const { stack } = make();
    const problems = checkAgainstSchema(Testing.synth(stack, true));
    expect(formatProblems(problems)).toBe('');
  });

  it('exposes the REST URL built from the endpoint, never a token', () => {
    const { db } = make();
    expect(db.restUrl).toContain('https://');
    const { stack } = make();
    const s = synth(stack);
    expect(s.text).not.toMatch(/rest_token|password/);
    expect(ref(db.database, 'endpoint')).toMatch(/^\$\{upstash_redis_database\.cache_database_[0-9A-F]+\.endpoint\}$/);
  });

  it.each<[string, Partial<UpstashDatabaseProps>, RegExp]>([
    ['name', { databaseName: 'Clarivum_Cache' }, /databaseName "Clarivum_Cache" must be lowercase/],
    ['primary region', { primaryRegion: 'eu-north-1' }, /primaryRegion "eu-north-1" must be one of us-east-1/],
    ['read region equal to primary', { readRegions: ['eu-central-1'] }, /read region "eu-central-1" must be an Upstash global region other than the primary eu-central-1/],
    ['unknown read region', { readRegions: ['mars-1'] }, /read region "mars-1" must be an Upstash global region/],
    ['budget', { budgetUsd: 0 }, /budgetUsd must be a positive number, got 0/],
  ])('rejects a bad %s', (_what, props, message) => {
    expect(() => make(props)).toThrow(message);
  });
});
