import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Testing } from 'cdktn';
import { parse } from 'yaml';
import { RULES_FILE } from '../../alerts/promtool-tests';
import { ALERT_RULES } from '../../alerts/rules';
import { composeExpr, type Comparison } from '../../alerts/types';
import { environment } from '../../config';
import { ObservabilityStack, PAGERDUTY_KEY_PLACEHOLDER } from '../../stacks/observability-stack';
import { checkAgainstSchema, formatProblems } from '../support/schema-check';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = resolve(__dirname, '../..');
const COMPARISON: Record<string, Comparison> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '==' };

describe('<env>-observability stack', () => {
  const env = environment('prod');
  const stack = new ObservabilityStack(Testing.app(), 'prod-observability', { env });
  const synth = JSON.parse(Testing.synth(stack)) as Json;
  const resources = synth.resource as Json;

  it('uses only schema-valid attributes of the Grafana provider', () => {
    const problems = checkAgainstSchema(synth);
    expect(formatProblems(problems)).toBe('');
  });

  it.each(['dev', 'staging'])('synthesizes schema-valid for %s too, with its own Grafana and UIDs', (name) => {
    const other = JSON.parse(Testing.synth(new ObservabilityStack(Testing.app(), `${name}-observability`, { env: environment(name) }))) as Json;
    expect(formatProblems(checkAgainstSchema(other))).toBe('');
    expect((other.provider as Json).grafana[0].url).toBe(environment(name).alerting.grafanaUrl);
    expect((Object.values((other.resource as Json).grafana_folder as Json)[0] as Json).uid).toBe(`cache-platform-${name}`);
  });

  it('creates the expected inventory', () => {
    expect(Object.keys(resources).sort()).toEqual([
      'grafana_contact_point', // PagerDuty for critical, webhook for warnings
      'grafana_dashboard', // cache overview, Upstash usage, Lambda health
      'grafana_data_source', // Prometheus and CloudWatch
      'grafana_folder', // one folder per environment
      'grafana_message_template', // title and body of every notification
      'grafana_notification_policy', // routes by severity
      'grafana_rule_group', // the alert rules, one group per component
    ]);
    expect(Object.keys(resources.grafana_dashboard)).toHaveLength(3);
    expect(Object.keys(resources.grafana_data_source)).toHaveLength(2);
    expect(Object.values(resources.grafana_rule_group as Json).flatMap((g: Json) => g.rule)).toHaveLength(ALERT_RULES.length);
  });

  it('takes Grafana auth from the environment; the PagerDuty key never enters Terraform (placeholder, changes ignored, no data source)', () => {
    const provider = (synth.provider as Json).grafana[0];
    expect(provider).toEqual({ url: env.alerting.grafanaUrl });
    const pagerduty = Object.values(resources.grafana_contact_point as Json).flatMap((c: Json) => c.pagerduty ?? []);
    expect(pagerduty).toHaveLength(1);
    expect(pagerduty[0].integration_key).toBe(PAGERDUTY_KEY_PLACEHOLDER);
    const critical = Object.values(resources.grafana_contact_point as Json).find((c: Json) => c.pagerduty) as Json;
    expect(critical.lifecycle).toEqual({ ignore_changes: ['pagerduty'] });
    expect(synth.data).toBeUndefined();
  });

  it('routes critical to PagerDuty and warnings and info to the webhook', () => {
    const points = Object.entries(resources.grafana_contact_point as Json) as [string, Json][];
    const [criticalId] = points.find(([, c]) => c.pagerduty)!;
    const [warningId, warning] = points.find(([, c]) => c.webhook)!;
    const ref = (id: string): string => `\${grafana_contact_point.${id}.name}`;
    expect(warning.webhook[0].url).toBe(env.alerting.warningWebhookUrl);
    const policy = Object.values(resources.grafana_notification_policy as Json)[0] as Json;
    const routes = Object.fromEntries((policy.policy as Json[]).map((p) => [p.matcher[0].value, p.contact_point]));
    expect(routes).toEqual({ critical: ref(criticalId), warning: ref(warningId), info: ref(warningId) });
    expect(policy.contact_point).toBe(ref(warningId));
    expect(warning.webhook[0].message).toContain('cache-platform-prod.message');
    const template = Object.values(resources.grafana_message_template as Json)[0] as Json;
    expect(template.template).toContain('{{ define "cache-platform-prod.message" }}');
    expect(template.template).toContain('.Annotations.runbook_url');
  });

  it('builds Grafana rules (query → reduce → threshold) with the same PromQL as the Prometheus rules file', () => {
    const file = parse(readFileSync(join(ROOT, 'alerts/rendered', RULES_FILE), 'utf8')) as { groups: { name: string; rules: Json[] }[] };
    const prometheus = new Map(file.groups.flatMap((g) => g.rules.map((r) => [r.alert as string, { ...r, group: g.name } as Json])));
    const grafana = Object.values(resources.grafana_rule_group as Json).flatMap((g: Json) => (g.rule as Json[]).map((r) => ({ ...r, group: g.name }) as Json));
    expect(grafana.map((r) => r.name).sort()).toEqual([...prometheus.keys()].sort());
    for (const rule of grafana) {
      const [a, b, c] = rule.data as Json[];
      const query = JSON.parse(a.model);
      const reduce = JSON.parse(b.model);
      const threshold = JSON.parse(c.model);
      expect([a.ref_id, b.ref_id, c.ref_id, rule.condition]).toEqual(['A', 'B', 'C', 'C']);
      expect(a.datasource_uid).toBe('cache-platform-prometheus-prod');
      expect(reduce).toMatchObject({ type: 'reduce', expression: 'A', reducer: 'last' });
      expect(threshold).toMatchObject({ type: 'threshold', expression: 'B' });
      const evaluator = threshold.conditions[0].evaluator;
      const expected = prometheus.get(rule.name)!;
      expect(composeExpr({ query: query.expr, comparison: COMPARISON[evaluator.type], threshold: evaluator.params[0] })).toBe(expected.expr);
      expect({ for: rule.for, group: rule.group, severity: rule.labels.severity, runbook: rule.annotations.runbook_url })
        .toEqual({ for: expected.for, group: expected.group, severity: expected.labels.severity, runbook: expected.annotations.runbook_url });
      expect(rule.annotations.summary).toBe(expected.annotations.summary.replace(/\$value\b/g, '$values.B.Value'));
    }
  });

  it('puts dashboards and rules in the environment folder and outputs the Prometheus scrape config', () => {
    const folder = Object.values(resources.grafana_folder as Json)[0] as Json;
    expect(folder.uid).toBe('cache-platform-prod');
    for (const d of Object.values(resources.grafana_dashboard as Json) as Json[]) {
      expect(d.folder).toMatch(/^\$\{grafana_folder\.[\w-]+\.uid\}$/);
      expect(JSON.parse(d.config_json).uid).toMatch(/-prod$/);
    }
    const scrape = parse((synth.output as Json).prometheus_config.value);
    expect(scrape.scrape_configs[0]).toMatchObject({
      job_name: 'cache-platform', metrics_path: '/metrics', static_configs: [{ targets: [env.alerting.metricsTarget], labels: { environment: 'prod' } }],
    });
  });
});
