import { LABELS, METRICS, type LabelName, type LabelRule, type Labels, type MetricName } from '../../../contracts/metrics';

/** The value a label gets when the caller's value breaks the catalog rule (lenient mode). */
const INVALID_LABEL_VALUE = 'invalid';

export class MetricLabelError extends Error {
  constructor(metric: string, message: string) {
    super(`metric ${metric}: ${message}`);
    this.name = 'MetricLabelError';
  }
}

export interface NormalizedLabels {
  /** The metric's labels in catalog order, every value allowed by the catalog. */
  readonly labels: Record<string, string>;
  /** Whether any value was replaced by `invalid` (or a label was missing or unknown). */
  readonly replaced: boolean;
}

function allowed(rule: LabelRule, value: string): boolean {
  if (rule.values) return rule.values.includes(value);
  return rule.pattern ? rule.pattern.test(value) : false;
}

/**
 * Checks labels against the catalog so cardinality stays bounded: exactly the metric's label
 * names, each value in its closed set or matching its pattern (which excludes dots and colons, so
 * an IP or a cache key never becomes a series). Strict mode throws; lenient mode records the
 * sample under `invalid` so a bad label never fails the request that records it.
 */
export function normalizeLabels(metric: MetricName, input: Labels | undefined, strict: boolean): NormalizedLabels {
  const names = METRICS[metric].labels as readonly LabelName[];
  const given = input ?? {};
  let replaced = false;
  const fail = (message: string): void => {
    if (strict) throw new MetricLabelError(metric, message);
    replaced = true;
  };
  for (const name of Object.keys(given)) {
    if (!names.includes(name as LabelName)) fail(`unknown label "${name}"; expected ${names.length ? names.join(', ') : 'no labels'}`);
  }
  const labels: Record<string, string> = {};
  for (const name of names) {
    const value = given[name];
    if (value === undefined) {
      fail(`missing label "${name}"`);
      labels[name] = INVALID_LABEL_VALUE;
    } else if (!allowed(LABELS[name], value)) {
      fail(`label ${name}=${JSON.stringify(value)} is not allowed: ${LABELS[name].description}`);
      labels[name] = INVALID_LABEL_VALUE;
    } else {
      labels[name] = value;
    }
  }
  return { labels, replaced };
}
