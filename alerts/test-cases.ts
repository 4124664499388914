// Over 300 lines because it is data: one typed promtool case per alert, kept in one table so a
// missing case is a type error (AlertName is exhaustive).
import { OBSERVABILITY } from './config';
import type { AlertName } from './rules';
import type { Duration } from './types';

export interface ExpectedAlert {
  /** Labels of the alert's series (the rule's `severity` is added by the renderer). */
  readonly labels: Readonly<Record<string, string>>;
  /** Fully rendered annotations (`runbook_url` is added by the renderer). */
  readonly summary: string;
  readonly description: string;
}

/**
 * Synthetic series for one alert: silent at `pendingAt` (condition already true, `for:` not yet
 * elapsed), firing at `firingAt` with exactly `firing`, and silent on the `healthy` series.
 */
export interface AlertTestCase {
  /** Interval between input samples. @default '1m' */
  readonly interval?: Duration;
  /**
   * Rule evaluation step. promtool evaluates every rule at every step up to the last eval time,
   * so a case spanning 100 days uses hours. Cases are grouped into one test file per step.
   * @default '1m'
   */
  readonly evaluationInterval?: Duration;
  /** Series selector → promtool expanding notation (`0+6x30`). */
  readonly series: Readonly<Record<string, string>>;
  readonly pendingAt: Duration;
  readonly firingAt: Duration;
  readonly firing: readonly ExpectedAlert[];
  /** Series on which the alert must not fire at `firingAt`, and why. */
  readonly healthy?: { readonly why: string; readonly series: Readonly<Record<string, string>> };
}

const P = 'environment="prod"';
const CACHE_ROUTE = `route="${OBSERVABILITY.cacheRoute}"`;

/** One case per alert: the `Record` makes a missing case a type error. */
export const ALERT_TEST_CASES: Readonly<Record<AlertName, AlertTestCase>> = {
  CacheServiceHighErrorRate: {
    series: {
      [`http_request_duration_seconds_count{${P},method="GET",${CACHE_ROUTE},status_code="200"}`]: '0+94x30',
      [`http_request_duration_seconds_count{${P},method="GET",${CACHE_ROUTE},status_code="502"}`]: '0+6x30',
    },
    pendingAt: '2m',
    firingAt: '10m',
    firing: [{
      labels: { environment: 'prod' },
      summary: 'Cache service error rate is 6% in prod',
      description: 'More than 5 % of requests in prod were answered with a 5xx over 5 minutes. Check origin health, Upstash availability and the last deploy.',
    }],
    healthy: {
      why: '304s, 404s and 429s are not errors',
      series: {
        [`http_request_duration_seconds_count{${P},method="GET",${CACHE_ROUTE},status_code="200"}`]: '0+50x30',
        [`http_request_duration_seconds_count{${P},method="GET",${CACHE_ROUTE},status_code="304"}`]: '0+20x30',
        [`http_request_duration_seconds_count{${P},method="GET",${CACHE_ROUTE},status_code="429"}`]: '0+30x30',
      },
    },
  },
  CacheServiceDown: {
    series: { [`up{${P},instance="cache.clarivum.example:443",job="cache-platform"}`]: '0x15' },
    pendingAt: '0m',
    firingAt: '5m',
    firing: [{
      labels: { environment: 'prod', instance: 'cache.clarivum.example:443', job: 'cache-platform' },
      summary: 'Cache service /metrics target cache.clarivum.example:443 is down in prod',
      description: 'Prometheus cannot scrape cache.clarivum.example:443 in prod: the HTTP API, the cache function or its metrics token is broken.',
    }],
    healthy: { why: 'the target answers', series: { [`up{${P},instance="cache.clarivum.example:443",job="cache-platform"}`]: '1x15' } },
  },
  CacheServiceHighLatency: {
    series: {
      [`http_request_duration_seconds_bucket{${P},${CACHE_ROUTE},le="0.25"}`]: '0x30',
      [`http_request_duration_seconds_bucket{${P},${CACHE_ROUTE},le="0.5"}`]: '0+10x30',
      [`http_request_duration_seconds_bucket{${P},${CACHE_ROUTE},le="+Inf"}`]: '0+10x30',
    },
    pendingAt: '3m',
    firingAt: '10m',
    firing: [{
      labels: { environment: 'prod' },
      summary: 'Cache p95 latency is 487.5ms in prod',
      description: `The p95 latency of ${OBSERVABILITY.cacheRoute} in prod has been above 250 ms for 5 minutes. Check the hit rate, Upstash latency and origin latency.`,
    }],
    healthy: {
      why: 'slow admin routes do not count against the cache route target',
      series: {
        [`http_request_duration_seconds_bucket{${P},${CACHE_ROUTE},le="0.025"}`]: '0+10x30',
        [`http_request_duration_seconds_bucket{${P},${CACHE_ROUTE},le="+Inf"}`]: '0+10x30',
        [`http_request_duration_seconds_bucket{${P},route="/admin/invalidate",le="0.025"}`]: '0x30',
        [`http_request_duration_seconds_bucket{${P},route="/admin/invalidate",le="+Inf"}`]: '0+10x30',
      },
    },
  },
  CacheServiceHighMemoryUsage: {
    series: {
      [`cache_memory_bytes{${P},database="cache"}`]: '700x30', [`memory_budget_bytes{${P},database="cache"}`]: '1000x30',
      // A further cache database (upstash.cacheShards) near its own, larger budget fires on its own.
      [`cache_memory_bytes{${P},database="cache-api"}`]: '1800x30', [`memory_budget_bytes{${P},database="cache-api"}`]: '2000x30',
    },
    pendingAt: '3m',
    firingAt: '10m',
    firing: [{
      labels: { environment: 'prod', database: 'cache-api' },
      summary: 'Cache memory usage of cache-api is 90% of its budget in prod',
      description: 'The cache database cache-api in prod uses more than 80 % of its memory budget; evictions will rise.',
    }],
    healthy: {
      why: 'each database below 80 % of its own budget (together above 80 % of the default budget)',
      series: {
        [`cache_memory_bytes{${P},database="cache"}`]: '700x30', [`memory_budget_bytes{${P},database="cache"}`]: '1000x30',
        [`cache_memory_bytes{${P},database="cache-api"}`]: '700x30', [`memory_budget_bytes{${P},database="cache-api"}`]: '2000x30',
      },
    },
  },
  CacheServiceBackpressure: {
    series: { [`cache_backpressure_total{${P},${CACHE_ROUTE}}`]: '0+30x30' },
    pendingAt: '2m',
    firingAt: '10m',
    firing: [{
      labels: { environment: 'prod', route: OBSERVABILITY.cacheRoute },
      summary: `Cache service is refusing requests on ${OBSERVABILITY.cacheRoute} in prod`,
      description: `Instances in prod answer 503 on ${OBSERVABILITY.cacheRoute} because MAX_INFLIGHT is reached (0.50 per second).`,
    }],
    healthy: { why: 'no refusals', series: { [`cache_backpressure_total{${P},${CACHE_ROUTE}}`]: '5x30' } },
  },
  CacheServiceAuthFailures: {
    series: { [`cache_auth_failures_total{${P},reason="invalid"}`]: '0+6x30' },
    pendingAt: '3m',
    firingAt: '10m',
    firing: [{
      labels: { environment: 'prod', reason: 'invalid' },
      summary: 'Admin authentication failures (invalid) in prod',
      description: 'Admin requests in prod keep failing authentication with reason invalid: a client with a stale token after a rotation, or someone probing.',
    }],
    healthy: { why: 'failures stopped long ago', series: { [`cache_auth_failures_total{${P},reason="invalid"}`]: '3x30' } },
  },
  CacheHitRateLow: {
    series: {
      [`cache_hits_total{${P},namespace="marketing"}`]: '0+60x120',
      [`cache_misses_total{${P},namespace="marketing"}`]: '0+60x120',
      // api is not held to 80 %: it must not appear.
      [`cache_hits_total{${P},namespace="api"}`]: '0+30x120',
      [`cache_misses_total{${P},namespace="api"}`]: '0+90x120',
    },
    pendingAt: '30m',
    firingAt: '70m',
    firing: [{
      labels: { environment: 'prod', namespace: 'marketing' },
      summary: 'Hit rate of marketing is 50% in prod',
      description: 'The marketing surface in prod has been below 80 % hits for an hour. Look for invalidation storms, a version bump or a bypass left on.',
    }],
    healthy: {
      why: '90 % hits',
      series: { [`cache_hits_total{${P},namespace="marketing"}`]: '0+180x120', [`cache_misses_total{${P},namespace="marketing"}`]: '0+20x120' },
    },
  },
  CacheHitRateCritical: {
    series: {
      [`cache_hits_total{${P},namespace="api"}`]: '0+6x60',
      [`cache_misses_total{${P},namespace="api"}`]: '0+54x60',
    },
    pendingAt: '20m',
    firingAt: '40m',
    firing: [{
      labels: { environment: 'prod', namespace: 'api' },
      summary: 'Hit rate of api collapsed to 10% in prod',
      description: 'Fewer than 30 % of api reads in prod are hits for 30 minutes: the origin takes nearly all traffic. Check the bypass flag, Redis health and recent invalidations.',
    }],
    healthy: {
      why: 'a trickle of misses (0.1 per second, below the traffic floor) does not page',
      series: { [`cache_hits_total{${P},namespace="api"}`]: '0x60', [`cache_misses_total{${P},namespace="api"}`]: '0+6x60' },
    },
  },
  CacheEvictionRateHigh: {
    // A day's window: samples every 10 minutes, rules every 30 (their own test file keeps promtool fast).
    interval: '10m',
    evaluationInterval: '30m',
    series: {
      [`upstash_evicted_keys{${P},database="cache"}`]: '0+100x300',
      // A further cache database (upstash.cacheShards) evicting as much fires on its own.
      [`upstash_evicted_keys{${P},database="cache-api"}`]: '0+100x300',
      // The guardrails database never evicts; were it counted, it would double the ratio.
      [`upstash_evicted_keys{${P},database="guardrails"}`]: '0+100x300',
      // Each database against its own writes: cache 100 of 1,000 (two surfaces), cache-api 100 of 400.
      [`cache_writes_total{${P},namespace="marketing",database="cache"}`]: '0+600x300',
      [`cache_writes_total{${P},namespace="docs",database="cache"}`]: '0+400x300',
      [`cache_writes_total{${P},namespace="api",database="cache-api"}`]: '0+400x300',
    },
    pendingAt: '30m',
    firingAt: '60m',
    firing: [['cache', '10%'], ['cache-api', '25%']].map(([database, share]) => ({
      labels: { environment: 'prod', database: database as string },
      summary: `Upstash evicted ${share} as many keys from ${database} as the cache wrote in prod`,
      description: `Over the last day the cache database ${database} in prod evicted more than 5 % of what was written: it is too small for the working set, so entries vanish before their TTL and the hit rate falls.`,
    })),
    healthy: {
      why: '1 % of writes evicted',
      series: {
        [`upstash_evicted_keys{${P},database="cache"}`]: '0+10x300',
        [`cache_writes_total{${P},namespace="marketing",database="cache"}`]: '0+1000x300',
      },
    },
  },
  CacheLargeEntries: {
    series: {
      [`cache_entries{${P},namespace="marketing"}`]: '100x90',
      [`cache_payload_bytes{${P},namespace="marketing"}`]: '52428800x90',
      // An empty surface is not divided by zero.
      [`cache_entries{${P},namespace="api"}`]: '0x90',
      [`cache_payload_bytes{${P},namespace="api"}`]: '0x90',
    },
    pendingAt: '30m',
    firingAt: '70m',
    firing: [{
      labels: { environment: 'prod', namespace: 'marketing' },
      summary: 'Entries of marketing average 512kiB in prod',
      description: 'The average stored entry of marketing in prod is above 256 KiB (audit): large items fill the cache database, raise evictions and the bandwidth bill.',
    }],
    healthy: {
      why: 'entries average 100 KiB',
      series: { [`cache_entries{${P},namespace="marketing"}`]: '100x90', [`cache_payload_bytes{${P},namespace="marketing"}`]: '10240000x90' },
    },
  },
  UpstashQuotaWarning: {
    series: { [`upstash_monthly_quota_ratio{database="cache",${P}}`]: '0.6x30' },
    pendingAt: '3m',
    firingAt: '10m',
    firing: [{
      labels: { database: 'cache', environment: 'prod' },
      summary: 'Upstash cache used 60% of its monthly requests in prod',
      description: 'The cache database in prod passed 55 % of its monthly request quota (target below 70 %).',
    }],
    healthy: { why: 'at 75 % the critical alert fires instead', series: { [`upstash_monthly_quota_ratio{database="cache",${P}}`]: '0.75x30' } },
  },
  UpstashQuotaCritical: {
    series: { [`upstash_monthly_quota_ratio{database="cache",${P}}`]: '0.75x30' },
    pendingAt: '3m',
    firingAt: '10m',
    firing: [{
      labels: { database: 'cache', environment: 'prod' },
      summary: 'Upstash cache used 75% of its monthly requests in prod',
      description: 'The cache database in prod passed 70 % of its monthly request quota: requests will be throttled or billed over budget.',
    }],
    healthy: { why: '60 % is only a warning', series: { [`upstash_monthly_quota_ratio{database="cache",${P}}`]: '0.6x30' } },
  },
  RateLimit429Surge: {
    series: {
      [`ratelimit_requests_total{bucket="marketing",${P},outcome="limited"}`]: '0+120x30',
      [`ratelimit_requests_total{bucket="marketing",${P},outcome="allowed"}`]: '0+480x30',
    },
    pendingAt: '5m',
    firingAt: '20m',
    firing: [{
      labels: { bucket: 'marketing', environment: 'prod' },
      summary: '20% of marketing requests are rate limited in prod',
      description: 'More than 10 % of requests in bucket marketing (prod) get 429 for 10 minutes. A client loop, a crawler, or a policy too tight.',
    }],
    healthy: {
      why: 'half of a trickle (0.5 per second) is not a surge',
      series: {
        [`ratelimit_requests_total{bucket="marketing",${P},outcome="limited"}`]: '0+30x30',
        [`ratelimit_requests_total{bucket="marketing",${P},outcome="allowed"}`]: '0+30x30',
      },
    },
  },
  CacheRotationOverdue: {
    // Samples every 4 minutes (inside the 5 minute lookback) for 100 days and a bit; rules every 6 h keep promtool fast.
    interval: '4m',
    evaluationInterval: '6h',
    series: {
      [`cache_rotation_last_success_timestamp_seconds{${P},database="cache"}`]: '0x36200',
      // The guardrails database rotated 8 days ago: only the cache database is overdue.
      [`cache_rotation_last_success_timestamp_seconds{${P},database="guardrails"}`]: '8000000x36200',
    },
    pendingAt: '144420m', // 100 d 7 h: overdue since the 100 d 6 h evaluation, `for: 1h` not elapsed
    firingAt: '144720m', // 100 d 12 h, the next evaluation
    firing: [{
      labels: { environment: 'prod', database: 'cache' },
      summary: 'Upstash token rotation of the cache database is overdue in prod',
      description: 'The last Upstash token rotation of the cache database in prod finished 100d 12h 0m 0s ago; rotation is quarterly. Run `npm run rotate -- --env prod --database cache` and check the rotation Lambda logs.',
    }],
    healthy: { why: 'the last rotation was 8 days ago', series: { [`cache_rotation_last_success_timestamp_seconds{${P},database="cache"}`]: '8000000x36200' } },
  },
  CacheJobFailing: {
    series: {
      [`cache_job_last_failure_timestamp_seconds{${P},job="audit"}`]: '600x30',
      [`cache_job_last_success_timestamp_seconds{${P},job="audit"}`]: '300x30',
      // warmup never succeeded: failing too.
      [`cache_job_last_failure_timestamp_seconds{${P},job="warmup"}`]: '900x30',
      // A rotation step failed after the last finished rotation.
      [`cache_job_last_failure_timestamp_seconds{${P},job="rotation"}`]: '600x30',
      [`cache_job_last_success_timestamp_seconds{${P},job="rotation"}`]: '60x30',
      // An unmonitored job name never alerts.
      [`cache_job_last_failure_timestamp_seconds{${P},job="other"}`]: '600x30',
    },
    pendingAt: '3m',
    firingAt: '10m',
    firing: [
      {
        labels: { environment: 'prod', job: 'audit' },
        summary: 'The audit job is failing in prod',
        description: 'The last run of the audit job in prod failed and none has succeeded since. Check its CloudWatch logs and dead-letter queue.',
      },
      {
        labels: { environment: 'prod', job: 'rotation' },
        summary: 'The rotation job is failing in prod',
        description: 'The last run of the rotation job in prod failed and none has succeeded since. Check its CloudWatch logs and dead-letter queue.',
      },
      {
        labels: { environment: 'prod', job: 'warmup' },
        summary: 'The warmup job is failing in prod',
        description: 'The last run of the warmup job in prod failed and none has succeeded since. Check its CloudWatch logs and dead-letter queue.',
      },
    ],
    healthy: {
      why: 'a success after the last failure',
      series: {
        [`cache_job_last_failure_timestamp_seconds{${P},job="audit"}`]: '300x30',
        [`cache_job_last_success_timestamp_seconds{${P},job="audit"}`]: '600x30',
      },
    },
  },
};
