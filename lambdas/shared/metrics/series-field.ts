import type { MetricName } from '../../../contracts/metrics';

/**
 * Storage layout in the guardrails database: one hash per metric, `<prefix>:<metric>`, one field
 * per series. A field is the JSON `[suffix, labels]`: suffix `""` for counters and gauges,
 * `"_bucket"` (labels include `le`, the count is per bucket, not cumulative), `"_sum"` or `"_count"`
 * for histograms. Counters and histogram fields only ever grow by HINCRBYFLOAT; gauges are HSET.
 */
export type SeriesSuffix = '' | '_bucket' | '_sum' | '_count';

export const DEFAULT_METRICS_KEY_PREFIX = 'metrics';

export function metricKey(prefix: string, name: MetricName): string {
  return `${prefix}:${name}`;
}

export function encodeField(suffix: SeriesSuffix, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify([suffix, labels]);
}

export interface DecodedField {
  readonly suffix: SeriesSuffix;
  readonly labels: Record<string, string>;
}

/** Decodes a field; `undefined` for anything this layout did not write. */
export function decodeField(field: string): DecodedField | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(field);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [suffix, labels] = parsed as [unknown, unknown];
  if (suffix !== '' && suffix !== '_bucket' && suffix !== '_sum' && suffix !== '_count') return undefined;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return undefined;
  if (!Object.values(labels).every((v) => typeof v === 'string')) return undefined;
  return { suffix, labels: labels as Record<string, string> };
}
