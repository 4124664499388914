import { ROUTE_TABLE } from '../contracts/routes';
import { ROTATION_MAX_AGE_SECONDS, UPSTASH_QUOTA_THRESHOLDS } from '../contracts/thresholds';

/**
 * Thresholds and selectors of the alerts and dashboards, apart from the rule data (as in
 * kubernetes-mixin): change a number here and every rendering follows.
 */
export const OBSERVABILITY = {
  /** Prometheus `job` of the `/metrics` scrape (alerts/scrape-config.ts). */
  scrapeJob: 'cache-platform',
  /** Runbook every alert links to, one section (anchor) per alert. */
  runbookUrl: 'https://github.com/clarivum/cache-platform/blob/main/docs/runbook.md',
  /** Route template of the read-through cache, the one the latency target is about. */
  cacheRoute: ROUTE_TABLE.read.label,
  errorRatio: 0.05,
  /**
   * p95 target of the cache route. The runbook's 25 ms is for an in-process cache; here a hit
   * costs one REST call to Upstash and a miss an origin call, so the page fires at 250 ms.
   */
  latencyP95Seconds: 0.25,
  memoryBudgetRatio: 0.8,
  /** Surfaces held to the runbook's ≥ 80 % hit rate (investigate when it stays lower for 1 h). */
  hitRateSurfaces: ['marketing'] as readonly string[],
  hitRateWarning: 0.8,
  hitRateCritical: 0.3,
  /** Below this request rate a surface's hit rate says little: nights and dev do not page. */
  hitRateMinRequestsPerSecond: 0.2,
  /** Seed runbook: at most 5 % of writes evicted (over a day: the audit reads the counter daily). */
  evictionRatio: 0.05,
  /** Below this many writes a day the eviction ratio says little. */
  evictionMinWritesPerDay: 1000,
  /** Average stored entry above this: large items crowd the cache (the item cap is 1 MiB). */
  averageEntryBytesWarning: 256 * 1024,
  upstashQuotaWarning: UPSTASH_QUOTA_THRESHOLDS.warning,
  upstashQuotaCritical: UPSTASH_QUOTA_THRESHOLDS.critical,
  /** 429 surge: share of limited decisions in a bucket, and a floor in 429s per second. */
  rateLimitSurgeRatio: 0.1,
  rateLimitSurgeMinPerSecond: 1,
  rotationMaxAgeSeconds: ROTATION_MAX_AGE_SECONDS,
  /**
   * Jobs whose failed last run alerts. Rotation is one: a failed step would otherwise surface only
   * when the rotation is 100 days overdue (or never, when no rotation ever succeeded).
   */
  monitoredJobs: ['audit', 'warmup', 'rotation'] as readonly string[],
} as const;

/** GitHub anchor of an alert's section in the runbook (`## CacheServiceDown` → `#cacheservicedown`). */
export function runbookAnchor(alertName: string): string {
  return alertName.toLowerCase();
}

export function runbookUrl(alertName: string): string {
  return `${OBSERVABILITY.runbookUrl}#${runbookAnchor(alertName)}`;
}
