import { RESERVED_SURFACE_NAMES } from '../contracts/reserved-surface-names';
import { deploymentOf } from './deployment';
import type {
  AlertRoutingConfig,
  ApiThrottlingConfig, DeploymentConfig, EnvironmentConfig, RateLimitPolicy, SurfaceConfig, UpstashDatabaseConfig,
} from './types';
import { ENVIRONMENT_NAMES, FUNCTION_NAMES } from './types';

export class ConfigError extends Error {
  constructor(field: string, value: unknown, expected: string) {
    super(`invalid config: ${field} = ${JSON.stringify(value)}: ${expected}`);
    this.name = 'ConfigError';
  }
}

const SURFACE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const DB_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const HEADER_NAME = /^[a-z0-9-]+$/;
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ACCOUNT_ID = /^\d{12}$/;
const SCHEDULE = /^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;

function check(ok: boolean, field: string, value: unknown, expected: string): void {
  if (!ok) throw new ConfigError(field, value, expected);
}

function positiveInt(field: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  check(Number.isInteger(value) && value > 0 && value <= max, field, value, `expected an integer between 1 and ${max}`);
}

export function validateRateLimit(field: string, p: RateLimitPolicy): void {
  check(['sliding-window', 'fixed-window', 'token-bucket'].includes(p.algorithm), `${field}.algorithm`, p.algorithm,
    'expected sliding-window, fixed-window or token-bucket');
  positiveInt(`${field}.limit`, p.limit, 1_000_000);
  positiveInt(`${field}.windowSeconds`, p.windowSeconds, 86_400);
  if (p.refillRate !== undefined) positiveInt(`${field}.refillRate`, p.refillRate, 1_000_000);
  check(p.keyBy === 'ip' || p.keyBy === 'api-key', `${field}.keyBy`, p.keyBy, 'expected ip or api-key');
  check(p.failMode === 'open' || p.failMode === 'closed', `${field}.failMode`, p.failMode, 'expected open or closed');
  positiveInt(`${field}.timeoutMs`, p.timeoutMs, 5_000);
  check(p.scope === undefined || p.scope === 'every-request' || p.scope === 'origin-bound', `${field}.scope`, p.scope,
    'expected every-request or origin-bound');
}

export function validateSurface(field: string, s: SurfaceConfig): void {
  check(SURFACE_NAME.test(s.name), `${field}.name`, s.name, 'expected lowercase [a-z0-9-], at most 32 characters');
  check(!RESERVED_SURFACE_NAMES.includes(s.name), `${field}.name`, s.name, `${RESERVED_SURFACE_NAMES.join(', ')} are reserved key segments`);
  let url: URL | undefined;
  try { url = new URL(s.originUrl); } catch { url = undefined; }
  check(!!url && (url.protocol === 'https:' || url.protocol === 'http:'), `${field}.originUrl`, s.originUrl, 'expected an http(s) URL');
  positiveInt(`${field}.ttlSeconds`, s.ttlSeconds, 30 * 86_400);
  check(Number.isInteger(s.staleWhileRevalidateSeconds) && s.staleWhileRevalidateSeconds >= 0,
    `${field}.staleWhileRevalidateSeconds`, s.staleWhileRevalidateSeconds, 'expected an integer >= 0');
  s.varyHeaders.forEach((h, i) => check(HEADER_NAME.test(h), `${field}.varyHeaders[${i}]`, h, 'expected a lowercase header name'));
  s.storedHeaders.forEach((h, i) => check(HEADER_NAME.test(h), `${field}.storedHeaders[${i}]`, h, 'expected a lowercase header name'));
  s.varyQuery.forEach((q, i) => check(/^[A-Za-z0-9_.-]+$/.test(q), `${field}.varyQuery[${i}]`, q, 'expected a plain query parameter name'));
  positiveInt(`${field}.originTimeoutMs`, s.originTimeoutMs, 60_000);
  if (s.compressAboveBytes !== undefined) positiveInt(`${field}.compressAboveBytes`, s.compressAboveBytes);
  validateRateLimit(`${field}.rateLimit`, s.rateLimit);
}

function validateDatabase(field: string, d: UpstashDatabaseConfig): void {
  check(DB_NAME.test(d.name), `${field}.name`, d.name, 'expected lowercase [a-z0-9-], at most 63 characters');
  check(Number.isFinite(d.budgetUsd) && d.budgetUsd > 0, `${field}.budgetUsd`, d.budgetUsd, 'expected a positive number');
  positiveInt(`${field}.monthlyRequestQuota`, d.monthlyRequestQuota);
  positiveInt(`${field}.memoryBudgetBytes`, d.memoryBudgetBytes);
  check(d.rotationStrategy === 'alternating-users' || d.rotationStrategy === 'reset-password',
    `${field}.rotationStrategy`, d.rotationStrategy, 'expected alternating-users or reset-password');
}

function validateCacheShards(field: string, env: EnvironmentConfig): void {
  const claimed = new Map<string, string>();
  const names = new Set([env.upstash.cache.name, env.upstash.guardrails.name]);
  (env.upstash.cacheShards ?? []).forEach((shard, i) => {
    const f = `${field}[${i}]`;
    check(/^[a-z0-9]{1,12}$/.test(shard.id), `${f}.id`, shard.id, 'expected lowercase [a-z0-9], at most 12 characters');
    check(!(env.upstash.cacheShards ?? []).slice(0, i).some((s) => s.id === shard.id), `${f}.id`, shard.id, 'shard ids must be unique');
    validateDatabase(f, shard);
    check(shard.eviction === true, `${f}.eviction`, shard.eviction, 'a cache database must evict');
    check(!names.has(shard.name), `${f}.name`, shard.name, 'database names must be unique');
    names.add(shard.name);
    check(shard.surfaces.length > 0, `${f}.surfaces`, shard.surfaces, 'expected at least one surface');
    shard.surfaces.forEach((s, j) => {
      check(env.surfaces.some((x) => x.name === s), `${f}.surfaces[${j}]`, s, 'expected a configured surface');
      check(!claimed.has(s), `${f}.surfaces[${j}]`, s, `already served by cache shard "${claimed.get(s)}"`);
      claimed.set(s, shard.id);
    });
  });
}

function validateThrottling(field: string, t: ApiThrottlingConfig): void {
  check(Number.isFinite(t.rateLimit) && t.rateLimit > 0 && t.rateLimit <= 10_000, `${field}.rateLimit`, t.rateLimit,
    'expected requests per second between 1 and 10000 (the account default)');
  positiveInt(`${field}.burstLimit`, t.burstLimit, 5_000);
}

/** API Gateway gives up on an integration after 30 s, so functions behind it must stop sooner. */
const API_FUNCTIONS = ['cache', 'admin'] as const;

export function validateDeployment(field: string, d: DeploymentConfig, env: EnvironmentConfig): void {
  // Physical names are `<prefix>-<env>-<function>`; Lambda names are at most 64 characters.
  check(/^[a-z][a-z0-9-]{0,39}$/.test(d.namePrefix), `${field}.namePrefix`, d.namePrefix,
    'expected lowercase [a-z0-9-] starting with a letter, at most 40 characters');
  for (const name of FUNCTION_NAMES) {
    const l = d.lambdas[name];
    check(l !== undefined, `${field}.lambdas.${name}`, l, 'expected memoryMb and timeoutSeconds');
    positiveInt(`${field}.lambdas.${name}.memoryMb`, l.memoryMb, 10_240);
    check(l.memoryMb >= 128, `${field}.lambdas.${name}.memoryMb`, l.memoryMb, 'expected at least 128 MB');
    positiveInt(`${field}.lambdas.${name}.timeoutSeconds`, l.timeoutSeconds, 900);
    if (l.reservedConcurrency !== undefined) {
      positiveInt(`${field}.lambdas.${name}.reservedConcurrency`, l.reservedConcurrency, 10_000);
    }
  }
  for (const name of API_FUNCTIONS) {
    const timeout = d.lambdas[name].timeoutSeconds;
    check(timeout <= 29, `${field}.lambdas.${name}.timeoutSeconds`, timeout,
      'functions behind the HTTP API must time out within 29 s (the integration limit is 30 s)');
  }
  const cacheTimeout = d.lambdas.cache.timeoutSeconds;
  check(cacheTimeout * 1000 > env.runtime.requestTimeoutMs, `${field}.lambdas.cache.timeoutSeconds`, cacheTimeout,
    `expected more than runtime.requestTimeoutMs (${env.runtime.requestTimeoutMs} ms) so the engine times out first`);
  validateThrottling(`${field}.api.throttling`, d.api.throttling);
  validateThrottling(`${field}.api.adminThrottling`, d.api.adminThrottling);
  check(typeof d.api.adminIamAuthorization === 'boolean', `${field}.api.adminIamAuthorization`, d.api.adminIamAuthorization, 'expected true or false');
  check(d.api.adminThrottling.rateLimit <= d.api.throttling.rateLimit, `${field}.api.adminThrottling.rateLimit`,
    d.api.adminThrottling.rateLimit, `expected at most api.throttling.rateLimit (${d.api.throttling.rateLimit})`);
  const s = d.scheduler;
  check(Number.isInteger(s.maximumRetryAttempts) && s.maximumRetryAttempts >= 0 && s.maximumRetryAttempts <= 185,
    `${field}.scheduler.maximumRetryAttempts`, s.maximumRetryAttempts, 'expected an integer between 0 and 185');
  check(Number.isInteger(s.maximumEventAgeSeconds) && s.maximumEventAgeSeconds >= 60 && s.maximumEventAgeSeconds <= 86_400,
    `${field}.scheduler.maximumEventAgeSeconds`, s.maximumEventAgeSeconds, 'expected an integer between 60 and 86400');
  check(Number.isInteger(s.deadLetterRetentionSeconds) && s.deadLetterRetentionSeconds >= 60 && s.deadLetterRetentionSeconds <= 1_209_600,
    `${field}.scheduler.deadLetterRetentionSeconds`, s.deadLetterRetentionSeconds, 'expected an integer between 60 and 1209600 (14 days)');
}

function httpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The observability stack's endpoints: Grafana, Prometheus, the scrape target, the CloudWatch role. */
function validateAlertRouting(field: string, a: AlertRoutingConfig): void {
  check(httpsUrl(a.grafanaUrl), `${field}.grafanaUrl`, a.grafanaUrl, 'expected an https URL');
  check(httpsUrl(a.prometheusUrl), `${field}.prometheusUrl`, a.prometheusUrl, 'expected an https URL');
  check(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(a.metricsTarget), `${field}.metricsTarget`, a.metricsTarget,
    'expected host[:port] without scheme or path, e.g. cache.clarivum.example');
  if (a.cloudWatchRoleArn !== undefined) {
    check(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/.test(a.cloudWatchRoleArn), `${field}.cloudWatchRoleArn`,
      a.cloudWatchRoleArn, 'expected an IAM role ARN');
  }
}

/** Validates an environment eagerly; returns it unchanged so callers can chain. */
export function validateEnvironment(env: EnvironmentConfig): EnvironmentConfig {
  const f = `environments.${env.name}`;
  check(ENVIRONMENT_NAMES.includes(env.name), `${f}.name`, env.name, `expected one of ${ENVIRONMENT_NAMES.join(', ')}`);
  check(AWS_REGION.test(env.aws.region), `${f}.aws.region`, env.aws.region, 'expected an AWS region such as eu-central-1');
  check(ACCOUNT_ID.test(env.aws.accountId), `${f}.aws.accountId`, env.aws.accountId, 'expected 12 digits');
  check(AWS_REGION.test(env.upstash.primaryRegion), `${f}.upstash.primaryRegion`, env.upstash.primaryRegion, 'expected a region such as eu-central-1');
  env.upstash.readRegions.forEach((r, i) => {
    check(AWS_REGION.test(r), `${f}.upstash.readRegions[${i}]`, r, 'expected a region such as us-east-1');
    check(env.upstash.readRegions.indexOf(r) === i, `${f}.upstash.readRegions[${i}]`, r, 'read regions must be unique');
    check(r !== env.upstash.primaryRegion, `${f}.upstash.readRegions[${i}]`, r, 'a read region must differ from the primary region');
  });
  validateDatabase(`${f}.upstash.cache`, env.upstash.cache);
  validateDatabase(`${f}.upstash.guardrails`, env.upstash.guardrails);
  check(env.upstash.cache.eviction === true, `${f}.upstash.cache.eviction`, env.upstash.cache.eviction, 'the cache database must evict');
  validateCacheShards(`${f}.upstash.cacheShards`, env);
  check(env.upstash.guardrails.eviction === false, `${f}.upstash.guardrails.eviction`, env.upstash.guardrails.eviction,
    'guardrails hold locks and rate limits and must never evict');
  check(env.surfaces.length > 0, `${f}.surfaces`, env.surfaces.length, 'expected at least one surface');
  const seen = new Set<string>();
  env.surfaces.forEach((s, i) => {
    validateSurface(`${f}.surfaces[${i}]`, s);
    check(!seen.has(s.name), `${f}.surfaces[${i}].name`, s.name, 'surface names must be unique');
    seen.add(s.name);
  });
  for (const [k, v] of Object.entries(env.schedules)) {
    check(SCHEDULE.test(v), `${f}.schedules.${k}`, v, 'expected cron(...) or rate(N unit)');
  }
  check(!/minute/.test(env.schedules.rotation), `${f}.schedules.rotation`, env.schedules.rotation,
    'Secrets Manager rotates at most every 4 hours: use cron(...) or rate(N hours|days)');
  // The AWS and Upstash value sets (CloudWatch retentions, Upstash regions) are the constructs' to
  // check, eagerly, while the app is built.
  check(/^https:\/\//.test(env.alerting.warningWebhookUrl), `${f}.alerting.warningWebhookUrl`, env.alerting.warningWebhookUrl, 'expected an https URL');
  check(env.alerting.pagerDutyIntegrationKeySecret.length > 0, `${f}.alerting.pagerDutyIntegrationKeySecret`,
    env.alerting.pagerDutyIntegrationKeySecret, 'expected a secret name');
  validateAlertRouting(`${f}.alerting`, env.alerting);
  if (env.backend.type === 's3') {
    check(/^[a-z0-9][a-z0-9.-]{2,62}$/.test(env.backend.bucket), `${f}.backend.bucket`, env.backend.bucket, 'expected an S3 bucket name');
    check(env.backend.key.length > 0, `${f}.backend.key`, env.backend.key, 'expected a state key');
    check(/^arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/.test(env.backend.kmsKeyId ?? ''), `${f}.backend.kmsKeyId`, env.backend.kmsKeyId,
      'expected the ARN of the customer managed key (or alias) that encrypts the state: state holds credentials');
  } else {
    check(env.name === 'dev', `${f}.backend.type`, env.backend.type, 'only dev may use the local backend');
  }
  positiveInt(`${f}.runtime.maxItemBytes`, env.runtime.maxItemBytes, 100 * 1024 * 1024);
  positiveInt(`${f}.runtime.redisTimeoutMs`, env.runtime.redisTimeoutMs, 10_000);
  positiveInt(`${f}.runtime.maxInflight`, env.runtime.maxInflight, 100_000);
  positiveInt(`${f}.runtime.requestTimeoutMs`, env.runtime.requestTimeoutMs, 29_000);
  validateDeployment(`${f}.deployment`, deploymentOf(env), env);
  return env;
}
