/** The two Upstash databases of an environment: `cache` holds entries, `guardrails` rate limits, metrics and job state. */
export type DatabaseRole = 'cache' | 'guardrails';
export const DATABASE_ROLES: readonly DatabaseRole[] = ['cache', 'guardrails'];

/** What the metrics call a database: its role, or `cache-<id>` for a further cache database (`upstash.cacheShards`). */
export type DatabaseLabel = DatabaseRole | `cache-${string}`;
