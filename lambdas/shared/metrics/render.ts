import type { Redis } from '@upstash/redis';
import AggregatorRegistry from 'prom-client/lib/cluster';
import { METRICS, METRIC_NAMES, type MetricName } from '../../../contracts/metrics';
import { DEFAULT_METRICS_KEY_PREFIX, decodeField, metricKey } from './series-field';

/** What rendering needs from the guardrails client: one EVAL. */
export type MetricsReadClient = Pick<Redis, 'eval'>;

/**
 * Reads every metric hash in one command (a scrape every 30 s would otherwise cost one HGETALL per
 * metric). Returns one JSON string, `[[field, value, ...], ...]` aligned with KEYS, so the client's
 * automatic deserialization cannot turn the JSON field names into arrays (cjson writes an empty
 * hash as `{}`, read as no series).
 */
const READ_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('HGETALL', key)
end
return cjson.encode(out)
`;

/** `Content-Type` of the `/metrics` answer. */
export const METRICS_CONTENT_TYPE = AggregatorRegistry.PROMETHEUS_CONTENT_TYPE;

interface Sample {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

/** prom-client's JSON form of a metric, as `AggregatorRegistry.aggregate` takes it. */
interface MetricJson {
  name: string;
  help: string;
  type: string;
  aggregator: 'sum';
  values: Sample[];
}

/**
 * Fleet-wide totals in Prometheus text format: reads every metric hash the recorders flushed (one
 * EVAL) and formats them with prom-client. Histograms get cumulative `_bucket` series with every
 * catalog bound and `+Inf`.
 */
export async function renderMetrics(redis: MetricsReadClient, options: { keyPrefix?: string } = {}): Promise<string> {
  const prefix = options.keyPrefix ?? DEFAULT_METRICS_KEY_PREFIX;
  const reply = await redis.eval(READ_SCRIPT, METRIC_NAMES.map((name) => metricKey(prefix, name)), []);
  const hashes = parseReadReply(reply);
  const metrics = METRIC_NAMES.map((name, i) => toMetricJson(name, hashEntries(hashes[i])));
  return AggregatorRegistry.aggregate([metrics]).metrics();
}

/** The script's JSON string; clients with automatic deserialization have parsed it already. */
function parseReadReply(reply: unknown): unknown[] {
  const parsed: unknown = typeof reply === 'string' ? JSON.parse(reply) : reply;
  if (!Array.isArray(parsed)) throw new Error(`unexpected metrics read reply: ${JSON.stringify(reply).slice(0, 200)}`);
  return parsed;
}

function hashEntries(flat: unknown): [string, unknown][] {
  if (!Array.isArray(flat)) return [];
  const entries: [string, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push([String(flat[i]), flat[i + 1]]);
  return entries;
}

function toMetricJson(name: MetricName, hash: [string, unknown][]): MetricJson {
  const def = METRICS[name];
  const allowed = new Set<string>(def.labels);
  const series: { suffix: string; labels: Record<string, string>; value: number }[] = [];
  for (const [field, raw] of hash) {
    const decoded = decodeField(field);
    const value = Number(raw);
    if (!decoded || !Number.isFinite(value)) continue;
    const names = Object.keys(decoded.labels).filter((l) => l !== 'le');
    if (names.length !== allowed.size || !names.every((l) => allowed.has(l))) continue; // written under an older catalog
    series.push({ suffix: decoded.suffix, labels: decoded.labels, value });
  }
  const values = def.type === 'histogram'
    ? histogramSamples(name, def.buckets, series)
    : series.filter((s) => s.suffix === '').map((s) => ({ value: s.value, labels: s.labels }));
  return { name, help: def.help, type: def.type, aggregator: 'sum', values };
}

function histogramSamples(
  name: string, catalogBounds: readonly number[], series: readonly { suffix: string; labels: Record<string, string>; value: number }[],
): Sample[] {
  const groups = new Map<string, { labels: Record<string, string>; buckets: Map<number, number>; sum: number; count: number }>();
  for (const s of series) {
    const { le, ...labels } = s.labels;
    const id = JSON.stringify(labels);
    let group = groups.get(id);
    if (!group) {
      group = { labels, buckets: new Map(), sum: 0, count: 0 };
      groups.set(id, group);
    }
    if (s.suffix === '_bucket' && le !== undefined) {
      const bound = le === '+Inf' ? Infinity : Number(le);
      if (!Number.isNaN(bound)) group.buckets.set(bound, (group.buckets.get(bound) ?? 0) + s.value);
    } else if (s.suffix === '_sum') {
      group.sum += s.value;
    } else if (s.suffix === '_count') {
      group.count += s.value;
    }
  }
  const samples: Sample[] = [];
  for (const group of groups.values()) {
    // Stored counts are per bucket; Prometheus wants cumulative counts (le = "less or equal").
    const bounds = [...new Set([...catalogBounds, ...group.buckets.keys()])].filter((b) => b !== Infinity).sort((a, b) => a - b);
    let cumulative = 0;
    for (const bound of bounds) {
      cumulative += group.buckets.get(bound) ?? 0;
      samples.push({ metricName: `${name}_bucket`, labels: { ...group.labels, le: String(bound) }, value: cumulative });
    }
    samples.push({ metricName: `${name}_bucket`, labels: { ...group.labels, le: '+Inf' }, value: cumulative + (group.buckets.get(Infinity) ?? 0) });
    samples.push({ metricName: `${name}_sum`, labels: group.labels, value: group.sum });
    samples.push({ metricName: `${name}_count`, labels: group.labels, value: group.count });
  }
  return samples;
}
