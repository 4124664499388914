/** The two Upstash databases of an environment: `cache` holds entries, `guardrails` rate limits, metrics and job state. */
export type DatabaseRole = 'cache' | 'guardrails';
export const DATABASE_ROLES: readonly DatabaseRole[] = ['cache', 'guardrails'];
