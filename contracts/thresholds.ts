/**
 * Thresholds both the runtime and the alerts read, so the audit report's levels and the alerts
 * fire at the same values.
 */

/** Share of the monthly Upstash request quota at which the quota turns `warning`, then `critical`. */
export const UPSTASH_QUOTA_THRESHOLDS = { warning: 0.55, critical: 0.7 } as const;

/** Rotation is quarterly: a database whose last rotation is older than 100 days is overdue (alert and `rotate --status`). */
export const ROTATION_MAX_AGE_SECONDS = 100 * 86_400;
