import { TerraformOutput } from 'cdktn';
import type { Construct } from 'constructs';
import { grafanaRuleGroups } from '../alerts/grafana';
import { renderPrometheusConfig } from '../alerts/scrape-config';
import { buildDashboards } from '../dashboards';
import { observabilityUids, type ObservabilityUids } from '../dashboards/uids';
import { ContactPoint } from '../providers/generated/grafana/contact-point';
import { Dashboard } from '../providers/generated/grafana/dashboard';
import { DataSource } from '../providers/generated/grafana/data-source';
import { Folder } from '../providers/generated/grafana/folder';
import { MessageTemplate } from '../providers/generated/grafana/message-template';
import { NotificationPolicy, type NotificationPolicyPolicy } from '../providers/generated/grafana/notification-policy';
import { GrafanaProvider } from '../providers/generated/grafana/provider';
import { RuleGroup } from '../providers/generated/grafana/rule-group';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Labels alerts are grouped by in one notification. */
const GROUP_BY = ['alertname', 'environment'];

/** What the critical contact point holds until on-call admins put the real key into Grafana. */
export const PAGERDUTY_KEY_PLACEHOLDER = 'set-in-grafana-see-docs-security-md';

/**
 * `<env>-observability`: the environment's Grafana folder, Prometheus and CloudWatch data sources,
 * dashboards, alert rule groups (from alerts/rules.ts, the source the Prometheus rules file is
 * rendered from), contact points, message template and the notification policy routing by severity.
 *
 * Credentials: the provider reads `GRAFANA_AUTH` (a service account token) from the environment.
 * The PagerDuty integration key never passes through Terraform (a data source would store it in this
 * stack's state): the contact point is created with a placeholder whose later changes Terraform
 * ignores, and on-call admins put the key from the Secrets Manager secret named in
 * `alerting.pagerDutyIntegrationKeySecret` into Grafana once (docs/security.md); Grafana answers
 * reads of it redacted, so a refresh does not bring it into state either. The notification
 * policy is the Grafana organisation's root policy, so each environment has its own Grafana
 * (`alerting.grafanaUrl`).
 */
export class ObservabilityStack extends PlatformStack {
  readonly uids: ObservabilityUids;
  readonly folder: Folder;
  readonly prometheus: DataSource;
  readonly cloudwatch: DataSource;
  readonly dashboards: Dashboard[];
  readonly ruleGroups: RuleGroup[];
  readonly criticalContactPoint: ContactPoint;
  readonly warningContactPoint: ContactPoint;
  readonly notificationPolicy: NotificationPolicy;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const env = props.env;
    const uids = observabilityUids(env.name);
    this.uids = uids;

    new GrafanaProvider(this, 'grafana', { url: env.alerting.grafanaUrl });

    this.folder = new Folder(this, 'folder', { uid: uids.folder, title: `Cache platform (${env.name})` });

    this.prometheus = new DataSource(this, 'prometheus', {
      type: 'prometheus',
      name: `Cache platform Prometheus (${env.name})`,
      uid: uids.prometheus,
      url: env.alerting.prometheusUrl,
      jsonDataEncoded: JSON.stringify({ httpMethod: 'POST', timeInterval: '60s' }),
    });
    this.cloudwatch = new DataSource(this, 'cloudwatch', {
      type: 'cloudwatch',
      name: `Cache platform CloudWatch (${env.name})`,
      uid: uids.cloudwatch,
      jsonDataEncoded: JSON.stringify({
        defaultRegion: env.aws.region,
        authType: 'default',
        ...(env.alerting.cloudWatchRoleArn ? { assumeRoleArn: env.alerting.cloudWatchRoleArn } : {}),
      }),
    });

    this.dashboards = buildDashboards(env).map((model) => new Dashboard(this, `dashboard-${dashboardKey(model.uid, env.name)}`, {
      folder: this.folder.uid,
      configJson: JSON.stringify(model),
      overwrite: true,
      dependsOn: [this.prometheus, this.cloudwatch],
    }));

    this.ruleGroups = grafanaRuleGroups({ prometheusUid: uids.prometheus, environment: env.name }).map((group) =>
      new RuleGroup(this, `rules-${group.name}`, {
        name: group.name,
        folderUid: this.folder.uid,
        intervalSeconds: group.intervalSeconds,
        rule: group.rule,
        dependsOn: [this.prometheus],
      }));

    const template = new MessageTemplate(this, 'message-template', {
      name: `cache-platform-${env.name}`,
      template: messageTemplate(env.name),
    });
    const title = `{{ template "cache-platform-${env.name}.title" . }}`;
    const message = `{{ template "cache-platform-${env.name}.message" . }}`;

    this.criticalContactPoint = new ContactPoint(this, 'contact-critical', {
      name: `cache-platform-${env.name}-critical`,
      pagerduty: [{
        integrationKey: PAGERDUTY_KEY_PLACEHOLDER,
        severity: 'critical',
        summary: title,
        component: 'cache-platform',
        group: env.name,
      }],
      lifecycle: { ignoreChanges: ['pagerduty'] },
      dependsOn: [template],
    });
    this.warningContactPoint = new ContactPoint(this, 'contact-warning', {
      name: `cache-platform-${env.name}-warning`,
      webhook: [{ url: env.alerting.warningWebhookUrl, title, message }],
      dependsOn: [template],
    });

    const route = (severity: string, contactPoint: ContactPoint, repeatInterval: string): NotificationPolicyPolicy => ({
      matcher: [{ label: 'severity', match: '=', value: severity }],
      contactPoint: contactPoint.name,
      groupBy: GROUP_BY,
      groupWait: severity === 'critical' ? '30s' : '1m',
      repeatInterval,
    });
    this.notificationPolicy = new NotificationPolicy(this, 'notification-policy', {
      contactPoint: this.warningContactPoint.name,
      groupBy: GROUP_BY,
      groupWait: '1m',
      groupInterval: '5m',
      repeatInterval: '12h',
      policy: [
        route('critical', this.criticalContactPoint, '1h'),
        route('warning', this.warningContactPoint, '12h'),
        route('info', this.warningContactPoint, '24h'),
      ],
    });

    new TerraformOutput(this, 'prometheus_config', {
      value: renderPrometheusConfig(env),
      description: 'Prometheus configuration of this environment: the /metrics scrape job and the alert rules file (also in alerts/rendered/).',
    });
    new TerraformOutput(this, 'dashboard_uids', { value: [uids.cacheOverview, uids.upstashUsage, uids.lambdaHealth] });
  }
}

/** Construct id of a dashboard: its UID without the environment, so ids read the same everywhere. */
function dashboardKey(uid: string | undefined, environment: string): string {
  if (!uid) throw new Error('every dashboard needs a UID');
  return uid.replace(new RegExp(`-${environment}$`), '');
}

/** Notification title and body shared by every contact point: summary, description, runbook. */
function messageTemplate(environment: string): string {
  const name = `cache-platform-${environment}`;
  return [
    `{{ define "${name}.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.environment }}){{ end }}`,
    `{{ define "${name}.message" }}{{ range .Alerts }}`,
    '{{ .Labels.severity | toUpper }}: {{ .Annotations.summary }}',
    '{{ .Annotations.description }}',
    'Runbook: {{ .Annotations.runbook_url }}',
    '{{ end }}{{ end }}',
  ].join('\n');
}
