import { QueryBuilder, RuleBuilder, type Query } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeReduceBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import type { RuleGroupRule, RuleGroupRuleData } from '../providers/generated/grafana/rule-group';
import { runbookUrl } from './config';
import { EVALUATION_INTERVAL_SECONDS } from './prometheus';
import { ALERT_GROUPS, ALERT_RULES } from './rules';
import type { AlertRule, Comparison } from './types';

/** Grafana's UID for server-side expression nodes. */
const EXPRESSION_DATASOURCE_UID = '__expr__';

const EVALUATORS: Record<Comparison, 'gt' | 'gte' | 'lt' | 'lte' | 'eq'> = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', '==': 'eq' };

export interface GrafanaRuleOptions {
  /** UID of the Prometheus data source the query node reads. */
  readonly prometheusUid: string;
  /** Environment the rules belong to (part of each rule UID). */
  readonly environment: string;
}

/** Grafana evaluates `{{ $value }}` to every node; the reduced value of node B is the one to show. */
function grafanaTemplate(text: string): string {
  return text.replace(/\$value\b/g, '$values.B.Value');
}

/** The rule as the foundation SDK models it: query (A) → reduce last (B) → threshold (C). */
function buildGrafanaRule(rule: AlertRule, opts: GrafanaRuleOptions): ReturnType<RuleBuilder['build']> {
  const expression = { type: '__expr__', uid: EXPRESSION_DATASOURCE_UID };
  return new RuleBuilder(rule.name)
    .uid(`${opts.environment}-${rule.name.toLowerCase()}`)
    .ruleGroup(rule.group)
    .withQuery(new QueryBuilder('A')
      .datasourceUid(opts.prometheusUid)
      .relativeTimeRange({ from: 600, to: 0 })
      .model(new DataqueryBuilder().refId('A').expr(rule.query).instant().datasource({ type: 'prometheus', uid: opts.prometheusUid })))
    .withQuery(new QueryBuilder('B')
      .datasourceUid(EXPRESSION_DATASOURCE_UID)
      .relativeTimeRange({ from: 0, to: 0 })
      .model(new TypeReduceBuilder().refId('B').expression('A').reducer('last').settings({ mode: 'dropNN' }).datasource(expression)))
    .withQuery(new QueryBuilder('C')
      .datasourceUid(EXPRESSION_DATASOURCE_UID)
      .relativeTimeRange({ from: 0, to: 0 })
      .model(new TypeThresholdBuilder().refId('C').expression('B').datasource(expression)
        .conditions([{ evaluator: { type: EVALUATORS[rule.comparison], params: [rule.threshold] } }])))
    .condition('C')
    .forDuration(rule.for)
    .noDataState(rule.noData ?? 'OK')
    .execErrState('Error')
    .labels({ severity: rule.severity })
    .annotations({
      summary: grafanaTemplate(rule.summary),
      description: grafanaTemplate(rule.description),
      runbook_url: runbookUrl(rule.name),
    })
    .build();
}

function toResourceData(q: Query): RuleGroupRuleData {
  if (!q.refId || !q.datasourceUid || !q.model || !q.relativeTimeRange) throw new Error(`incomplete query node ${JSON.stringify(q)}`);
  return {
    refId: q.refId,
    datasourceUid: q.datasourceUid,
    model: JSON.stringify(q.model),
    relativeTimeRange: { from: q.relativeTimeRange.from ?? 0, to: q.relativeTimeRange.to ?? 0 },
  };
}

/** A `rule` block with its query nodes as plain data (not a token), so tests can read them. */
export type GrafanaRuleBlock = RuleGroupRule & { readonly data: RuleGroupRuleData[] };

/** One `rule` block of a `grafana_rule_group`. */
function grafanaRuleBlock(rule: AlertRule, opts: GrafanaRuleOptions): GrafanaRuleBlock {
  const built = buildGrafanaRule(rule, opts);
  return {
    name: built.title,
    uid: built.uid,
    condition: built.condition,
    for: built.for,
    noDataState: built.noDataState,
    execErrState: built.execErrState,
    labels: built.labels,
    annotations: built.annotations,
    data: built.data.map(toResourceData),
  };
}

export interface GrafanaRuleGroupData {
  readonly name: string;
  readonly intervalSeconds: number;
  readonly rule: (GrafanaRuleBlock)[];
}

/** Data of every `grafana_rule_group` (the folder UID is added by the stack). */
export function grafanaRuleGroups(opts: GrafanaRuleOptions, rules: readonly AlertRule[] = ALERT_RULES): GrafanaRuleGroupData[] {
  return ALERT_GROUPS.map((group) => ({
    name: group,
    intervalSeconds: EVALUATION_INTERVAL_SECONDS,
    rule: rules.filter((r) => r.group === group).map((r) => grafanaRuleBlock(r, opts)),
  }));
}
