import { ROUTE_LABELS } from './routes';

/**
 * Every metric the platform records: the one place names, types, labels and help live.
 * Names follow the operations runbook so its PromQL works unchanged. Labels are bounded:
 * routes, surfaces, namespaces, buckets and reasons, never raw keys or IPs. `docs/metrics.md`
 * is generated from this file (`npm run render:alerts`); a test fails when it is stale.
 */
export type MetricType = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly LabelName[];
  /** Histogram bucket upper bounds, in the metric's unit. */
  readonly buckets?: readonly number[];
  /** Who records it (for the docs). */
  readonly source: string;
}

/** Latency buckets in seconds: from a 1 ms L1 hit to a 10 s slow origin. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Scheduled jobs, the values of the `job` label. */
export const JOBS = ['warmup', 'audit', 'rotation'] as const;

/** A token such as a surface name or a reason: lowercase, no dots or colons, so never an IP or a key. */
const TOKEN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export interface LabelRule {
  readonly description: string;
  /** Allowed values, when the set is closed. */
  readonly values?: readonly string[];
  /** Allowed shape, when the values come from config (surface names) and are bounded by it. */
  readonly pattern?: RegExp;
}

/** Every label name and what its values may be; the recorder refuses anything else. */
export const LABELS = {
  method: { description: 'HTTP method.', values: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'] },
  route: { description: 'Route template (contracts/routes.ts), never the raw path.', values: ROUTE_LABELS },
  status_code: { description: 'HTTP status code.', pattern: /^[1-5][0-9][0-9]$/ },
  namespace: { description: 'Cache surface (config/surfaces.ts), e.g. `marketing`.', pattern: TOKEN },
  bucket: { description: 'Rate-limit bucket: a surface name or `admin`.', pattern: TOKEN },
  reason: { description: 'Why it happened, a short lowercase token (e.g. `missing`, `invalid`, `redis_down`).', pattern: TOKEN },
  outcome: { description: 'Result, a short lowercase token (e.g. `allowed`, `limited`, `success`, `failure`, `error`).', pattern: TOKEN },
  kind: { description: 'Invalidation kind: `key`, `prefix`, `event`, `surface`, `resource`, `version`.', values: ['key', 'prefix', 'event', 'surface', 'resource', 'version'] },
  database: {
    description: 'Upstash database: `cache`, `guardrails`, or `cache-<id>` for a further cache database (`upstash.cacheShards`).',
    pattern: /^(cache|guardrails|cache-[a-z0-9]{1,12})$/,
  },
  job: { description: 'Scheduled job (see JOBS). Same name as the scrape target\'s `job` label: the scrape config sets `honor_labels: true` so this one is kept.', values: JOBS },
  metric: { description: 'A metric name of this catalog.', pattern: /^[a-z_]{1,64}$/ },
} as const satisfies Record<string, LabelRule>;

export type LabelName = keyof typeof LABELS;

export const METRICS = {
  http_request_duration_seconds: {
    type: 'histogram', help: 'Duration of HTTP requests handled by the platform functions.',
    labels: ['method', 'route', 'status_code'], buckets: LATENCY_BUCKETS_SECONDS, source: 'cache and admin handlers',
  },
  http_active_requests: { type: 'gauge', help: 'Requests in flight on an instance at flush time (last writer wins).', labels: [], source: 'cache handler' },
  max_inflight_requests: { type: 'gauge', help: 'Configured MAX_INFLIGHT per instance.', labels: [], source: 'cache handler' },
  cache_hits_total: { type: 'counter', help: 'Cache reads answered from a fresh entry.', labels: ['namespace'], source: 'cache engine' },
  cache_misses_total: { type: 'counter', help: 'Cache reads that found no usable entry.', labels: ['namespace'], source: 'cache engine' },
  cache_stale_served_total: { type: 'counter', help: 'Responses served from a stale entry.', labels: ['namespace'], source: 'cache engine' },
  cache_bypass_total: { type: 'counter', help: 'Requests sent straight to the origin (Redis down, breaker open or emergency bypass).', labels: ['namespace', 'reason'], source: 'cache engine' },
  cache_evictions_total: { type: 'counter', help: 'Entries removed by the platform (corrupt, orphaned, oversize).', labels: ['namespace', 'reason'], source: 'cache engine, audit job' },
  cache_writes_total: { type: 'counter', help: 'Entries written to a cache database (the denominator of its eviction rate).', labels: ['namespace', 'database'], source: 'cache engine, warmup job' },
  upstash_evicted_keys: { type: 'gauge', help: 'Keys the database evicted under its memory limit since its server started (`evicted_keys` of `INFO stats`, cumulative: use `increase()`).', labels: ['database'], source: 'audit job' },
  cache_entries: { type: 'gauge', help: 'Live cache entries per surface, counted over the last complete audit pass.', labels: ['namespace'], source: 'audit job' },
  cache_payload_bytes: { type: 'gauge', help: 'Stored bytes of the live cache entries per surface, over the last complete audit pass.', labels: ['namespace'], source: 'audit job' },
  cache_memory_bytes: { type: 'gauge', help: 'Bytes used by each cache database, `cache` or `cache-<id>` (from the audit job).', labels: ['database'], source: 'audit job' },
  memory_budget_bytes: { type: 'gauge', help: 'Memory budget of each cache database, `cache` or `cache-<id>` (config).', labels: ['database'], source: 'audit job' },
  cache_backpressure_total: { type: 'counter', help: 'Requests refused with 503 because MAX_INFLIGHT was reached.', labels: ['route'], source: 'cache and admin handlers' },
  cache_auth_failures_total: { type: 'counter', help: 'Admin authentication failures.', labels: ['reason'], source: 'admin authenticator' },
  cache_corrupt_entries_total: { type: 'counter', help: 'Entries that failed checksum or decoding; each is deleted and read as a miss.', labels: ['namespace'], source: 'cache engine' },
  cache_invalidations_total: { type: 'counter', help: 'Invalidations performed.', labels: ['kind'], source: 'admin handler, CLI' },
  ratelimit_requests_total: { type: 'counter', help: 'Rate-limit decisions (outcome: allowed, limited, exempt, failed_open, failed_closed).', labels: ['bucket', 'outcome'], source: 'rate limiter' },
  cache_origin_requests_total: { type: 'counter', help: 'Requests made to an origin (outcome: success, error, timeout, too_large).', labels: ['namespace', 'outcome'], source: 'cache engine, warmup job' },
  upstash_requests_total: { type: 'counter', help: 'HTTP requests made to Upstash (outcome: success, error, timeout, unauthorized).', labels: ['database', 'outcome'], source: 'Upstash client' },
  upstash_monthly_quota_ratio: { type: 'gauge', help: 'Monthly Upstash requests divided by the monthly quota (audit job).', labels: ['database'], source: 'audit job' },
  upstash_monthly_requests: { type: 'gauge', help: 'Requests made to the database this month, from the Upstash Developer API.', labels: ['database'], source: 'audit job' },
  upstash_monthly_request_quota: { type: 'gauge', help: 'Monthly request quota of the database (config).', labels: ['database'], source: 'audit job' },
  upstash_monthly_bandwidth_bytes: { type: 'gauge', help: 'Bandwidth used by the database this month.', labels: ['database'], source: 'audit job' },
  upstash_storage_bytes: { type: 'gauge', help: 'Data size of the database.', labels: ['database'], source: 'audit job' },
  cache_rotation_last_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last completed Upstash token rotation of a database.', labels: ['database'], source: 'rotation handler' },
  cache_job_last_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last successful run of a scheduled job.', labels: ['job'], source: 'warmup, audit and rotation handlers' },
  cache_job_last_failure_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last failed run of a scheduled job.', labels: ['job'], source: 'warmup, audit and rotation handlers' },
  cache_job_runs_total: { type: 'counter', help: 'Runs of a scheduled job (outcome: success, failure).', labels: ['job', 'outcome'], source: 'warmup, audit and rotation handlers' },
  // Maintenance jobs (lambdas/warmup, lambdas/audit).
  cache_job_duration_seconds: { type: 'histogram', help: 'Duration of a scheduled job run.', labels: ['job'], buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 900], source: 'warmup and audit handlers' },
  cache_warmup_entries_total: { type: 'counter', help: 'Warmup targets by outcome (warmed, skipped, failed).', labels: ['namespace', 'outcome'], source: 'warmup job' },
  cache_warmup_fetch_duration_seconds: { type: 'histogram', help: 'Time to fetch and store one warmed entry through the engine write path.', labels: ['namespace'], buckets: LATENCY_BUCKETS_SECONDS, source: 'warmup job' },
  cache_audit_findings_total: { type: 'counter', help: 'Keys with a problem the audit saw (outcome found) and fixed (outcome fixed); reason: no_ttl, orphan, malformed, oversize, corrupt.', labels: ['reason', 'outcome'], source: 'audit job' },
  cache_audit_keys_scanned_total: { type: 'counter', help: 'Keys the audit inspected.', labels: [], source: 'audit job' },
  cache_audit_reclaimed_bytes_total: { type: 'counter', help: 'Bytes of values the audit deleted.', labels: [], source: 'audit job' },
  metrics_flushes_total: { type: 'counter', help: 'Flushes of per-instance metric deltas to the guardrails database (outcome: success, error); an error drops that batch.', labels: ['outcome'], source: 'metrics recorder' },
  metrics_invalid_labels_total: { type: 'counter', help: 'Samples whose label value broke the catalog rule and was recorded as `invalid`.', labels: ['metric'], source: 'metrics recorder' },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'counter' ? K : never }[MetricName];
export type HistogramName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'histogram' ? K : never }[MetricName];
export type GaugeName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'gauge' ? K : never }[MetricName];
export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
