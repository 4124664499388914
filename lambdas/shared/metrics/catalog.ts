/**
 * Every metric the platform records: the one place names, types, labels and help live.
 * Names follow the operations runbook so its PromQL works unchanged. Labels are bounded:
 * routes, surfaces, namespaces, buckets and reasons, never raw keys or IPs.
 */
export type MetricType = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
  /** Histogram bucket upper bounds, in the metric's unit. */
  readonly buckets?: readonly number[];
}

/** Latency buckets in seconds: from a 1 ms L1 hit to a 10 s slow origin. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export const METRICS = {
  http_request_duration_seconds: {
    type: 'histogram', help: 'Duration of HTTP requests handled by the platform functions.',
    labels: ['method', 'route', 'status_code'], buckets: LATENCY_BUCKETS_SECONDS,
  },
  http_active_requests: { type: 'gauge', help: 'Requests in flight on an instance at flush time.', labels: [] },
  max_inflight_requests: { type: 'gauge', help: 'Configured MAX_INFLIGHT per instance.', labels: [] },
  cache_hits_total: { type: 'counter', help: 'Cache reads answered from a fresh entry.', labels: ['namespace'] },
  cache_misses_total: { type: 'counter', help: 'Cache reads that found no usable entry.', labels: ['namespace'] },
  cache_stale_served_total: { type: 'counter', help: 'Responses served from a stale entry.', labels: ['namespace'] },
  cache_bypass_total: { type: 'counter', help: 'Requests sent straight to the origin (Redis down, breaker open or emergency bypass).', labels: ['namespace', 'reason'] },
  cache_evictions_total: { type: 'counter', help: 'Entries removed by the platform (corrupt, orphaned, oversize).', labels: ['namespace', 'reason'] },
  cache_memory_bytes: { type: 'gauge', help: 'Bytes used by the cache database (from the audit job).', labels: [] },
  memory_budget_bytes: { type: 'gauge', help: 'Memory budget of the cache database.', labels: [] },
  cache_backpressure_total: { type: 'counter', help: 'Requests refused with 503 because MAX_INFLIGHT was reached.', labels: ['route'] },
  cache_auth_failures_total: { type: 'counter', help: 'Admin authentication failures.', labels: ['reason'] },
  cache_corrupt_entries_total: { type: 'counter', help: 'Entries that failed checksum or decoding; each is deleted and read as a miss.', labels: ['namespace'] },
  cache_invalidations_total: { type: 'counter', help: 'Invalidations performed.', labels: ['kind'] },
  ratelimit_requests_total: { type: 'counter', help: 'Rate-limit decisions.', labels: ['bucket', 'outcome'] },
  cache_origin_requests_total: { type: 'counter', help: 'Requests made to an origin.', labels: ['namespace', 'outcome'] },
  upstash_requests_total: { type: 'counter', help: 'HTTP requests made to Upstash.', labels: ['database', 'outcome'] },
  upstash_monthly_quota_ratio: { type: 'gauge', help: 'Monthly Upstash requests divided by the monthly quota (audit job).', labels: ['database'] },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'counter' ? K : never }[MetricName];
export type HistogramName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'histogram' ? K : never }[MetricName];
export type GaugeName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'gauge' ? K : never }[MetricName];
export type Labels = Readonly<Record<string, string>>;
