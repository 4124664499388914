/**
 * Reads Prometheus text exposition in tests. No maintained npm parser exists (the one used before,
 * parse-prometheus-text-format, is abandoned), so the text is first validated by Prometheus' own
 * parser (`promtool check metrics` exits non-zero on a parse error) and then read by this small
 * reader, which only has to understand valid input: `# HELP`/`# TYPE` lines and samples.
 */
import { execFileSync } from 'node:child_process';

export interface Sample {
  /** Full series name, e.g. `http_request_duration_seconds_bucket`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  /** Samples of the family, histogram `_bucket`/`_sum`/`_count` series included. */
  readonly samples: readonly Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const UNESCAPE: Readonly<Record<string, string>> = { n: '\n', '"': '"', '\\': '\\' };

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Parses exposition text after promtool accepted it; throws with promtool's message otherwise. */
export function parsePrometheusText(text: string): MetricFamily[] {
  execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
  const families = new Map<string, { name: string; type: string; samples: Sample[] }>();
  const familyOf = (series: string): { samples: Sample[] } | undefined =>
    families.get(series) ?? families.get(series.replace(/_(bucket|sum|count)$/, ''));
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1], { name: type[1], type: type[2], samples: [] });
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`unreadable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (m[2] ?? '').matchAll(LABEL)) labels[key] = raw.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);
    const family = familyOf(m[1]);
    if (!family) throw new Error(`sample ${m[1]} has no # TYPE line`);
    family.samples.push({ name: m[1], labels, value: parseValue(m[3]) });
  }
  return [...families.values()];
}

/** The value of the one sample of `series` whose labels include `labels`; throws when absent. */
export function sampleValue(families: readonly MetricFamily[], series: string, labels: Readonly<Record<string, string>> = {}): number {
  const sample = families.flatMap((f) => f.samples)
    .find((s) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!sample) throw new Error(`no sample ${series} with labels ${JSON.stringify(labels)}`);
  return sample.value;
}
