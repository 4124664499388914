import { Testing, TerraformStack } from 'cdktn';
import { UpstashProvider } from '../../providers/generated/upstash/provider';
import { RedisDatabase } from '../../providers/generated/upstash/redis-database';
import { checkAgainstSchema, type SchemaProblem } from '../support/schema-check';

const PINS = {
  upstash: { source: 'upstash/upstash', version: '2.0.1' },
  grafana: { source: 'grafana/grafana', version: '4.45.1' },
};

const VALID_RULE = {
  name: 'CacheHitRatioLow',
  for: '5m',
  labels: { severity: 'warning' },
  data: [{ ref_id: 'A', datasource_uid: 'prom', model: '{}', relative_time_range: { from: 600, to: 0 } }],
};

// Fixtures are plain cdk.tf.json objects that each test mutates freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TfJson = Record<string, any>;

/** A schema-valid stack, as cdktn writes cdk.tf.json; each test breaks one thing. */
function stack(): TfJson {
  return {
    '//': { metadata: { stackName: 'x' } },
    terraform: { required_providers: structuredClone(PINS) },
    provider: { upstash: [{}], grafana: [{ url: 'https://grafana.example.test', alias: 'main' }] },
    resource: {
      upstash_redis_database: {
        cache: { '//': { metadata: {} }, database_name: 'dev-cache', region: 'global', tls: true, depends_on: [] },
      },
      grafana_rule_group: {
        alerts: { name: 'cache', folder_uid: 'f', interval_seconds: 60, rule: [structuredClone(VALID_RULE)] },
      },
      aws_s3_bucket: { anything: { not_checked: true } },
    },
  };
}

const kinds = (problems: SchemaProblem[]) => problems.map((p) => [p.kind, p.path]);

describe('checkAgainstSchema', () => {
  it('accepts a valid stack, meta-arguments and expressions included', () => {
    const s = stack();
    s.resource.grafana_rule_group.alerts.rule[0].labels = '${var.labels}';
    s.resource.upstash_redis_database.cache.lifecycle = { prevent_destroy: true };
    expect(checkAgainstSchema(s)).toEqual([]);
  });

  it('reports an attribute the resource does not have, e.g. from an escape hatch', () => {
    const app = Testing.app();
    const tf = new TerraformStack(app, 's');
    new UpstashProvider(tf, 'upstash');
    new RedisDatabase(tf, 'db', { databaseName: 'db', region: 'global' }).addOverride('eviction_policy', 'allkeys-lru');
    const problems = checkAgainstSchema(Testing.synth(tf));
    expect(kinds(problems)).toEqual([['unknown-attribute', 'resource.upstash_redis_database.db.eviction_policy']]);
    expect(problems[0]?.message).toContain('"eviction_policy"');
  });

  it('reports a missing required attribute and a computed-only attribute that is set', () => {
    const s = stack();
    delete s.resource.upstash_redis_database.cache.region;
    s.resource.upstash_redis_database.cache.endpoint = 'x.upstash.io';
    expect(kinds(checkAgainstSchema(s))).toEqual([
      ['computed-only', 'resource.upstash_redis_database.cache.endpoint'],
      ['missing-required', 'resource.upstash_redis_database.cache'],
    ]);
  });

  it('reports wrong nested blocks: scalar block, too many items, unknown attribute deep inside', () => {
    const s = stack();
    const rule = s.resource.grafana_rule_group.alerts.rule[0];
    rule.data[0].relative_time_range = [{ from: 1, to: 0 }, { from: 2, to: 0 }];
    rule.data[0].datasource = 'prom';
    rule.notification_settings = 'team-a';
    expect(kinds(checkAgainstSchema(s))).toEqual([
      ['block-count', 'resource.grafana_rule_group.alerts.rule[0].data[0].relative_time_range'],
      ['unknown-attribute', 'resource.grafana_rule_group.alerts.rule[0].data[0].datasource'],
      ['wrong-block', 'resource.grafana_rule_group.alerts.rule[0].notification_settings'],
    ]);
  });

  it('reports a missing required nested block and an unknown dynamic block', () => {
    const s = stack();
    delete s.resource.grafana_rule_group.alerts.rule;
    s.resource.grafana_rule_group.alerts.dynamic = { rules: { for_each: [], content: {} } };
    expect(kinds(checkAgainstSchema(s))).toEqual([
      ['wrong-block', 'resource.grafana_rule_group.alerts.dynamic.rules'],
      ['missing-required', 'resource.grafana_rule_group.alerts'],
    ]);
  });

  it('checks the content of dynamic blocks against the nested schema', () => {
    const s = stack();
    delete s.resource.grafana_rule_group.alerts.rule;
    s.resource.grafana_rule_group.alerts.dynamic = { rule: { for_each: '${var.rules}', content: { name: 'x', data: [], severity: 'x' } } };
    expect(kinds(checkAgainstSchema(s))).toEqual([
      ['block-count', 'resource.grafana_rule_group.alerts.dynamic.rule.content.data'],
      ['unknown-attribute', 'resource.grafana_rule_group.alerts.dynamic.rule.content.severity'],
    ]);
  });

  it('reports attribute values of the wrong shape', () => {
    const s = stack();
    s.resource.grafana_rule_group.alerts.rule[0].labels = ['severity'];
    s.resource.upstash_redis_database.cache.read_regions = 'eu-west-1';
    expect(kinds(checkAgainstSchema(s))).toEqual([
      ['wrong-shape', 'resource.upstash_redis_database.cache.read_regions'],
      ['wrong-shape', 'resource.grafana_rule_group.alerts.rule[0].labels'],
    ]);
  });

  it('reports resource and data source types missing from the snapshot', () => {
    const s = stack();
    s.resource.grafana_team = { ops: { name: 'ops' } };
    s.data = { upstash_redis_database_data: { db: { database_id: 'x' } } };
    expect(kinds(checkAgainstSchema(s))).toEqual([
      ['unknown-type', 'resource.grafana_team'],
      ['unknown-type', 'data.upstash_redis_database_data'],
    ]);
  });

  it('checks provider blocks and the pinned provider source and version', () => {
    const s = stack();
    s.provider.grafana[0].api_url = 'https://grafana.example.test';
    s.terraform.required_providers.upstash = { source: 'registry.terraform.io/upstash/upstash', version: '~> 2.0' };
    expect(kinds(checkAgainstSchema(s))).toEqual([
      ['provider-version', 'terraform.required_providers.upstash'],
      ['unknown-attribute', 'provider.grafana[0].api_url'],
    ]);
  });

  it('ignores resources of other providers', () => {
    const s = stack();
    delete s.resource.upstash_redis_database;
    delete s.resource.grafana_rule_group;
    s.provider = {};
    s.terraform.required_providers = {};
    expect(checkAgainstSchema(s)).toEqual([]);
  });
});
