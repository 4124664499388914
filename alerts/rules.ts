import { OBSERVABILITY as O } from './config';
import { cacheWrites, errorRatio, evictionRatio, hitRatio, latencyQuantile, lookupRate, rateSum } from './queries';
import type { AlertRule } from './types';

const pct = (ratio: number): string => `${Math.round(ratio * 100)} %`;
const ENV = ['environment'];
const jobs = `job=~"${O.monitoredJobs.join('|')}"`;
const lastFailure = `max by (environment, job) (cache_job_last_failure_timestamp_seconds{${jobs}})`;
const lastSuccess = `max by (environment, job) (cache_job_last_success_timestamp_seconds{${jobs}})`;

/**
 * Every alert of the platform: the one source rendered to `alerts/rendered/cache-alerts.rules.yml`
 * (Prometheus) and to `grafana_rule_group` resources (stacks/observability-stack.ts).
 * The first five keep the operations runbook's names.
 */
export const ALERT_RULES = [
  {
    name: 'CacheServiceHighErrorRate', group: 'cache-platform-service', severity: 'critical', for: '2m',
    query: errorRatio({ by: ENV }), comparison: '>', threshold: O.errorRatio,
    summary: 'Cache service error rate is {{ $value | humanizePercentage }} in {{ $labels.environment }}',
    description: `More than ${pct(O.errorRatio)} of requests in {{ $labels.environment }} were answered with a 5xx over 5 minutes. Check origin health, Upstash availability and the last deploy.`,
    rationale: '5xx only: 304, 404 and 429 are correct answers, and 429 surges have their own alert.',
  },
  {
    name: 'CacheServiceDown', group: 'cache-platform-service', severity: 'critical', for: '1m',
    query: `up{job="${O.scrapeJob}"}`, comparison: '==', threshold: 0, noData: 'Alerting',
    summary: 'Cache service /metrics target {{ $labels.instance }} is down in {{ $labels.environment }}',
    description: 'Prometheus cannot scrape {{ $labels.instance }} in {{ $labels.environment }}: the HTTP API, the cache function or its metrics token is broken.',
  },
  {
    name: 'CacheServiceHighLatency', group: 'cache-platform-service', severity: 'critical', for: '5m',
    query: latencyQuantile(0.95, { by: ENV, selector: `route="${O.cacheRoute}"` }), comparison: '>', threshold: O.latencyP95Seconds,
    summary: 'Cache p95 latency is {{ $value | humanizeDuration }} in {{ $labels.environment }}',
    description: `The p95 latency of ${O.cacheRoute} in {{ $labels.environment }} has been above ${O.latencyP95Seconds * 1000} ms for 5 minutes. Check the hit rate, Upstash latency and origin latency.`,
  },
  {
    name: 'CacheServiceHighMemoryUsage', group: 'cache-platform-service', severity: 'warning', for: '5m',
    query: 'sum by (environment, database) (cache_memory_bytes) / sum by (environment, database) (memory_budget_bytes)', comparison: '>', threshold: O.memoryBudgetRatio,
    summary: 'Cache memory usage of {{ $labels.database }} is {{ $value | humanizePercentage }} of its budget in {{ $labels.environment }}',
    description: `The cache database {{ $labels.database }} in {{ $labels.environment }} uses more than ${pct(O.memoryBudgetRatio)} of its memory budget; evictions will rise.`,
  },
  {
    name: 'CacheServiceBackpressure', group: 'cache-platform-service', severity: 'warning', for: '2m',
    query: rateSum('cache_backpressure_total', { by: ['environment', 'route'] }), comparison: '>', threshold: 0,
    summary: 'Cache service is refusing requests on {{ $labels.route }} in {{ $labels.environment }}',
    description: 'Instances in {{ $labels.environment }} answer 503 on {{ $labels.route }} because MAX_INFLIGHT is reached ({{ $value | printf "%.2f" }} per second).',
  },
  {
    name: 'CacheServiceAuthFailures', group: 'cache-platform-service', severity: 'warning', for: '5m',
    query: rateSum('cache_auth_failures_total', { by: ['environment', 'reason'] }), comparison: '>', threshold: 0,
    summary: 'Admin authentication failures ({{ $labels.reason }}) in {{ $labels.environment }}',
    description: 'Admin requests in {{ $labels.environment }} keep failing authentication with reason {{ $labels.reason }}: a client with a stale token after a rotation, or someone probing.',
  },
  {
    name: 'CacheHitRateLow', group: 'cache-platform-cache', severity: 'warning', for: '1h',
    query: `${hitRatio({ by: ['environment', 'namespace'], selector: `namespace=~"${O.hitRateSurfaces.join('|')}"`, window: '15m' })}`
      + ` and ${lookupRate({ by: ['environment', 'namespace'], selector: `namespace=~"${O.hitRateSurfaces.join('|')}"`, window: '15m' })} > ${O.hitRateMinRequestsPerSecond}`,
    comparison: '<', threshold: O.hitRateWarning,
    summary: 'Hit rate of {{ $labels.namespace }} is {{ $value | humanizePercentage }} in {{ $labels.environment }}',
    description: `The {{ $labels.namespace }} surface in {{ $labels.environment }} has been below ${pct(O.hitRateWarning)} hits for an hour. Look for invalidation storms, a version bump or a bypass left on.`,
    rationale: 'Only with real traffic: a handful of requests at night makes the ratio meaningless.',
  },
  {
    name: 'CacheHitRateCritical', group: 'cache-platform-cache', severity: 'critical', for: '30m',
    query: `${hitRatio({ by: ['environment', 'namespace'], window: '15m' })}`
      + ` and ${lookupRate({ by: ['environment', 'namespace'], window: '15m' })} > ${O.hitRateMinRequestsPerSecond}`,
    comparison: '<', threshold: O.hitRateCritical,
    summary: 'Hit rate of {{ $labels.namespace }} collapsed to {{ $value | humanizePercentage }} in {{ $labels.environment }}',
    description: `Fewer than ${pct(O.hitRateCritical)} of {{ $labels.namespace }} reads in {{ $labels.environment }} are hits for 30 minutes: the origin takes nearly all traffic. Check the bypass flag, Redis health and recent invalidations.`,
  },
  {
    name: 'CacheEvictionRateHigh', group: 'cache-platform-cache', severity: 'warning', for: '30m',
    query: `${evictionRatio({ by: ENV, window: '1d' })} and ${cacheWrites({ by: ENV, window: '1d' })} > ${O.evictionMinWritesPerDay}`,
    comparison: '>', threshold: O.evictionRatio,
    summary: 'Upstash evicted {{ $value | humanizePercentage }} as many keys from {{ $labels.database }} as the cache wrote in {{ $labels.environment }}',
    description: `Over the last day the cache database {{ $labels.database }} in {{ $labels.environment }} evicted more than ${pct(O.evictionRatio)} of what was written: it is too small for the working set, so entries vanish before their TTL and the hit rate falls.`,
    rationale: 'A day: the audit reads evicted_keys once a day. increase() because evicted_keys is a cumulative counter (reset when the server restarts). Per cache database, against the writes to that database.',
  },
  {
    name: 'CacheLargeEntries', group: 'cache-platform-cache', severity: 'warning', for: '1h',
    query: 'sum by (environment, namespace) (cache_payload_bytes) / sum by (environment, namespace) (cache_entries > 0)',
    comparison: '>', threshold: O.averageEntryBytesWarning,
    summary: 'Entries of {{ $labels.namespace }} average {{ $value | humanize1024 }}B in {{ $labels.environment }}',
    description: `The average stored entry of {{ $labels.namespace }} in {{ $labels.environment }} is above ${O.averageEntryBytesWarning / 1024} KiB (audit): large items fill the cache database, raise evictions and the bandwidth bill.`,
  },
  {
    name: 'UpstashQuotaWarning', group: 'cache-platform-upstash', severity: 'warning', for: '5m',
    query: `max by (environment, database) (upstash_monthly_quota_ratio) < ${O.upstashQuotaCritical}`, comparison: '>=', threshold: O.upstashQuotaWarning,
    summary: 'Upstash {{ $labels.database }} used {{ $value | humanizePercentage }} of its monthly requests in {{ $labels.environment }}',
    description: `The {{ $labels.database }} database in {{ $labels.environment }} passed ${pct(O.upstashQuotaWarning)} of its monthly request quota (target below ${pct(O.upstashQuotaCritical)}).`,
    rationale: 'Below the critical level only, so a database is either warning or critical, never both.',
  },
  {
    name: 'UpstashQuotaCritical', group: 'cache-platform-upstash', severity: 'critical', for: '5m',
    query: 'max by (environment, database) (upstash_monthly_quota_ratio)', comparison: '>=', threshold: O.upstashQuotaCritical,
    summary: 'Upstash {{ $labels.database }} used {{ $value | humanizePercentage }} of its monthly requests in {{ $labels.environment }}',
    description: `The {{ $labels.database }} database in {{ $labels.environment }} passed ${pct(O.upstashQuotaCritical)} of its monthly request quota: requests will be throttled or billed over budget.`,
  },
  {
    name: 'RateLimit429Surge', group: 'cache-platform-guardrails', severity: 'warning', for: '10m',
    query: `${rateSum('ratelimit_requests_total', { by: ['environment', 'bucket'], selector: 'outcome="limited"' })}`
      + ` / ${rateSum('ratelimit_requests_total', { by: ['environment', 'bucket'] })}`
      + ` and ${rateSum('ratelimit_requests_total', { by: ['environment', 'bucket'], selector: 'outcome="limited"' })} > ${O.rateLimitSurgeMinPerSecond}`,
    comparison: '>', threshold: O.rateLimitSurgeRatio,
    summary: '{{ $value | humanizePercentage }} of {{ $labels.bucket }} requests are rate limited in {{ $labels.environment }}',
    description: `More than ${pct(O.rateLimitSurgeRatio)} of requests in bucket {{ $labels.bucket }} ({{ $labels.environment }}) get 429 for 10 minutes. A client loop, a crawler, or a policy too tight.`,
    rationale: 'Ratio and a floor in 429s per second: a surge must be both large and real.',
  },
  {
    name: 'CacheRotationOverdue', group: 'cache-platform-jobs', severity: 'warning', for: '1h',
    query: 'time() - max by (environment, database) (cache_rotation_last_success_timestamp_seconds)', comparison: '>', threshold: O.rotationMaxAgeSeconds,
    summary: 'Upstash token rotation of the {{ $labels.database }} database is overdue in {{ $labels.environment }}',
    description: 'The last Upstash token rotation of the {{ $labels.database }} database in {{ $labels.environment }} finished {{ $value | humanizeDuration }} ago; rotation is quarterly. Run `npm run rotate -- --env {{ $labels.environment }} --database {{ $labels.database }}` and check the rotation Lambda logs.',
  },
  {
    name: 'CacheJobFailing', group: 'cache-platform-jobs', severity: 'warning', for: '5m',
    query: `${lastFailure} > ${lastSuccess} or ${lastFailure} unless ${lastSuccess}`, comparison: '>', threshold: 0,
    summary: 'The {{ $labels.job }} job is failing in {{ $labels.environment }}',
    description: 'The last run of the {{ $labels.job }} job in {{ $labels.environment }} failed and none has succeeded since. Check its CloudWatch logs and dead-letter queue.',
    rationale: 'Jobs run weekly or monthly: compare the last failure with the last success instead of a rate; a job that never succeeded counts too.',
  },
] as const satisfies readonly AlertRule[];

export type AlertName = (typeof ALERT_RULES)[number]['name'];

export const ALERT_GROUPS: readonly string[] = [...new Set(ALERT_RULES.map((r) => r.group))];
