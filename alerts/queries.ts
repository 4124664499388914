/**
 * PromQL shared by the alerts and the dashboards, so a panel shows exactly what a rule tests.
 * `selector` is a label matcher list without braces (`namespace="marketing"`), `by` the labels kept.
 */
function matchers(...parts: (string | undefined)[]): string {
  const inner = parts.filter((p): p is string => !!p && p.length > 0).join(',');
  return inner ? `{${inner}}` : '';
}

export function rateSum(metric: string, opts: { by: readonly string[]; selector?: string; window?: string }): string {
  return `sum by (${opts.by.join(', ')}) (rate(${metric}${matchers(opts.selector)}[${opts.window ?? '5m'}]))`;
}

/** Fresh hits over hits plus misses: the runbook's hit rate. */
export function hitRatio(opts: { by: readonly string[]; selector?: string; window?: string }): string {
  return `${rateSum('cache_hits_total', opts)} / ${lookupRate(opts)}`;
}

/**
 * Cache lookups (hits + misses) per second. Two sums, not `rate({__name__=~...})`: rate drops the
 * name, and hits and misses of one surface would collide.
 */
export function lookupRate(opts: { by: readonly string[]; selector?: string; window?: string }): string {
  return `(${rateSum('cache_hits_total', opts)} + ${rateSum('cache_misses_total', opts)})`;
}

/** Share of requests answered 5xx (304, 404 and 429 are correct answers; 429s have their own alert). */
export function errorRatio(opts: { by: readonly string[]; selector?: string; window?: string }): string {
  return `${rateSum('http_request_duration_seconds_count', { ...opts, selector: [opts.selector, 'status_code=~"5.."'].filter(Boolean).join(',') })}`
    + ` / ${rateSum('http_request_duration_seconds_count', opts)}`;
}

export function latencyQuantile(q: number, opts: { by: readonly string[]; selector?: string; window?: string }): string {
  return `histogram_quantile(${q}, ${rateSum('http_request_duration_seconds_bucket', { ...opts, by: [...opts.by, 'le'] })})`;
}

/** Sum of `increase()`: for counters read once a day or less often, where a per-second rate says little. */
export function increaseSum(metric: string, opts: { by: readonly string[]; selector?: string; window: string }): string {
  return `sum by (${opts.by.join(', ')}) (increase(${metric}${matchers(opts.selector)}[${opts.window}]))`;
}

/** The cache databases: `cache` and every further one (`cache-<id>`, `upstash.cacheShards`). */
export const CACHE_DATABASES = 'database=~"cache|cache-.+"';

/** Keys the platform wrote to each cache database, one series per database. */
export function cacheWrites(opts: { by: readonly string[]; selector?: string; window: string }): string {
  return increaseSum('cache_writes_total', { ...opts, by: [...opts.by, 'database'] });
}

/**
 * Keys each cache database evicted per key the platform wrote to it (the seed's eviction rate), one
 * series per database.
 */
export function evictionRatio(opts: { by: readonly string[]; selector?: string; window: string }): string {
  const evicted = increaseSum('upstash_evicted_keys', { ...opts, by: [...opts.by, 'database'], selector: [opts.selector, CACHE_DATABASES].filter(Boolean).join(',') });
  return `${evicted} / ${cacheWrites(opts)}`;
}
