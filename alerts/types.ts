/** The typed alert source: every rule is rendered to Prometheus and to Grafana from these fields. */
export type Severity = 'critical' | 'warning' | 'info';

export type Comparison = '>' | '>=' | '<' | '<=' | '==';

/** A Prometheus duration such as `2m`, `1h`, `0s`. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`;

export interface AlertRule {
  /** CamelCase with a component prefix (`CacheService…`, `Cache…`, `Upstash…`, `RateLimit…`). */
  readonly name: string;
  /** Rule group (one Prometheus group and one `grafana_rule_group`). */
  readonly group: string;
  /**
   * PromQL whose value is compared with `threshold`. In Grafana it is the query node (A), reduced
   * to its last value (B) and compared by a threshold node (C); in Prometheus the rule's `expr` is
   * `query comparison threshold` (see `composeExpr`).
   */
  readonly query: string;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** How long the condition must hold before the alert fires. */
  readonly for: Duration;
  readonly severity: Severity;
  /** One line, may use `{{ $labels.x }}` and `{{ $value }}` (Grafana gets the reduced value). */
  readonly summary: string;
  /** What happened and where to look, with `{{ $labels.x }}`. */
  readonly description: string;
  /** What a missing series means in Grafana. @default 'OK' (no traffic is not an incident) */
  readonly noData?: 'OK' | 'Alerting' | 'NoData';
  /** Why the PromQL is written this way, when it is not obvious (rendered as a YAML comment). */
  readonly rationale?: string;
}

/** A Prometheus `expr`. Queries with a set operator are parenthesised so the comparison applies to the whole. */
export function composeExpr(rule: Pick<AlertRule, 'query' | 'comparison' | 'threshold'>): string {
  const query = /\s(and|or|unless)\s/.test(rule.query) ? `(${rule.query})` : rule.query;
  return `${query} ${rule.comparison} ${rule.threshold}`;
}
