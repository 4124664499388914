/**
 * Records rotation outcomes in the guardrails database so `/metrics` shows them fleet-wide and
 * `CacheRotationOverdue` / `CacheJobFailing` can fire. Best effort: a metrics failure never fails a
 * rotation step (the step's own result is what Secrets Manager acts on).
 */
import type { Redis } from '@upstash/redis';
import { AggregatingMetricsRecorder } from '../shared/metrics/aggregating-recorder';
import type { DatabaseRole } from '../../contracts/database-roles';

export type RotationOutcome =
  | { readonly ok: true; readonly finished: boolean; readonly database?: DatabaseRole }
  | { readonly ok: false; readonly database?: DatabaseRole };

/**
 * Success is recorded once per rotation (when `finishSecret` completes); a failure at any step is
 * recorded at once. Returns whether anything was written.
 */
export async function recordRotationOutcome(guardrails: Redis, outcome: RotationOutcome, nowMs = Date.now()): Promise<boolean> {
  if (outcome.ok && !outcome.finished) return false;
  const metrics = new AggregatingMetricsRecorder({ clock: () => nowMs });
  const now = nowMs / 1000;
  const result = outcome.ok ? 'success' : 'failure';
  metrics.increment('cache_job_runs_total', { job: 'rotation', outcome: result });
  if (outcome.ok) {
    metrics.setGauge('cache_job_last_success_timestamp_seconds', now, { job: 'rotation' });
    if (outcome.database) metrics.setGauge('cache_rotation_last_success_timestamp_seconds', now, { database: outcome.database });
  } else {
    metrics.setGauge('cache_job_last_failure_timestamp_seconds', now, { job: 'rotation' });
  }
  const flushed = await metrics.flush(guardrails);
  return flushed.status === 'flushed';
}
