import type { AlertRule, Duration } from './types';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Seconds of a Prometheus duration (`90s`, `5m`, `1h`, `1d`). */
export function durationSeconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(d);
  if (!m) throw new Error(`"${d}" is not a Prometheus duration such as 30s, 5m, 1h`);
  return Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
}

/** `d` times `factor`, in whole seconds, never below `minSeconds`. */
export function scaleDuration(d: string, factor: number, minSeconds = 1): Duration {
  return `${Math.max(minSeconds, Math.round(durationSeconds(d) * factor))}s`;
}

/**
 * The rules with time compressed by `factor` (0.02: a 5 minute window becomes 6 s): `for:` and
 * every range selector `[5m]` of the query. Thresholds stay. Used by the local monitoring stack's
 * drill and its end-to-end test, so they run the shipped rules, not hand-edited copies.
 */
export function scaleRules(rules: readonly AlertRule[], factor: number, minSeconds = 1): AlertRule[] {
  if (!(factor > 0 && factor <= 1)) throw new RangeError(`time scale factor must be in (0, 1], got ${factor}`);
  return rules.map((r) => ({
    ...r,
    for: scaleDuration(r.for, factor, r.for === '0s' ? 0 : minSeconds),
    query: r.query.replace(/\[(\d+(?:\.\d+)?[smhd])\]/g, (_, d: string) => `[${scaleDuration(d, factor, minSeconds)}]`),
  }));
}
