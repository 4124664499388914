import { ENVIRONMENTS, environment, validateEnvironment, type EnvironmentConfig } from '../../config';

function withChange(change: (env: EnvironmentConfig) => EnvironmentConfig): () => EnvironmentConfig {
  return () => validateEnvironment(change(ENVIRONMENTS.prod));
}

const KEY = 'arn:aws:kms:eu-central-1:333333333333:alias/clarivum-prod-terraform-state';

describe('environment config', () => {
  it.each(['dev', 'staging', 'prod'])('%s is valid', (name) => {
    expect(environment(name).name).toBe(name);
  });

  it('rejects an unknown environment by name', () => {
    expect(() => environment('qa')).toThrow(/unknown environment "qa": expected one of dev, staging, prod/);
  });

  it.each<[string, (e: EnvironmentConfig) => EnvironmentConfig, RegExp]>([
    ['aws region', (e) => ({ ...e, aws: { ...e.aws, region: 'Frankfurt' } }), /environments\.prod\.aws\.region = "Frankfurt"/],
    ['account id', (e) => ({ ...e, aws: { ...e.aws, accountId: '12' } }), /aws\.accountId = "12": expected 12 digits/],
    ['read region equal to primary', (e) => ({ ...e, upstash: { ...e.upstash, readRegions: ['eu-central-1'] } }), /readRegions\[0\] = "eu-central-1"/],
    ['guardrails eviction', (e) => ({ ...e, upstash: { ...e.upstash, guardrails: { ...e.upstash.guardrails, eviction: true } } }), /guardrails\.eviction = true: guardrails .* never evict/],
    ['cache eviction', (e) => ({ ...e, upstash: { ...e.upstash, cache: { ...e.upstash.cache, eviction: false } } }), /cache\.eviction = false/],
    ['database name', (e) => ({ ...e, upstash: { ...e.upstash, cache: { ...e.upstash.cache, name: 'Bad_Name' } } }), /cache\.name = "Bad_Name"/],
    ['memory budget', (e) => ({ ...e, upstash: { ...e.upstash, cache: { ...e.upstash.cache, memoryBudgetBytes: 0 } } }), /cache\.memoryBudgetBytes = 0/],
    ['rotation strategy', (e) => ({ ...e, upstash: { ...e.upstash, cache: { ...e.upstash.cache, rotationStrategy: 'never' as never } } }), /rotationStrategy = "never"/],
    ['surface name', (e) => ({ ...e, surfaces: [{ ...e.surfaces[0], name: 'Mar*keting' }] }), /surfaces\[0\]\.name = "Mar\*keting"/],
    ['duplicate surface', (e) => ({ ...e, surfaces: [e.surfaces[0], e.surfaces[0]] }), /surfaces\[1\]\.name = "marketing": surface names must be unique/],
    ['origin url', (e) => ({ ...e, surfaces: [{ ...e.surfaces[0], originUrl: 'ftp://x' }] }), /originUrl = "ftp:\/\/x"/],
    ['ttl', (e) => ({ ...e, surfaces: [{ ...e.surfaces[0], ttlSeconds: 0 }] }), /ttlSeconds = 0/],
    ['rate limit', (e) => ({ ...e, surfaces: [{ ...e.surfaces[0], rateLimit: { ...e.surfaces[0].rateLimit, limit: -1 } }] }), /rateLimit\.limit = -1/],
    ['fail mode', (e) => ({ ...e, surfaces: [{ ...e.surfaces[0], rateLimit: { ...e.surfaces[0].rateLimit, failMode: 'maybe' as never } }] }), /failMode = "maybe"/],
    ['schedule', (e) => ({ ...e, schedules: { ...e.schedules, audit: 'every day' } }), /schedules\.audit = "every day"/],
    ['local backend outside dev', (e) => ({ ...e, backend: { type: 'local' } }), /backend\.type = "local": only dev/],
    ['s3 bucket', (e) => ({ ...e, backend: { type: 's3', bucket: 'X', key: 'k', region: 'eu-central-1', kmsKeyId: KEY } }), /backend\.bucket = "X"/],
    ['state key (state holds credentials)', (e) => ({ ...e, backend: { type: 's3', bucket: 'state', key: 'k', region: 'eu-central-1', kmsKeyId: 'aws/s3' } }), /backend\.kmsKeyId = "aws\/s3": expected the ARN of the customer managed key/],
    ['redis timeout', (e) => ({ ...e, runtime: { ...e.runtime, redisTimeoutMs: 0 } }), /runtime\.redisTimeoutMs = 0/],
  ])('rejects a bad %s naming the field and value', (_what, change, message) => {
    expect(withChange(change)).toThrow(message);
  });
});
