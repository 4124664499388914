import { TerraformOutput } from 'cdktn';
import type { Construct } from 'constructs';
import { grafanaRuleGroups } from '../alerts/grafana';
import { DEFAULT_ROUTE, NOTIFICATION_ROUTES } from '../alerts/routing';
import { renderPrometheusConfig } from '../alerts/scrape-config';
import { GrafanaAlerting } from '../constructs/grafana/grafana-alerting';
import { buildDashboards } from '../dashboards';
import { observabilityUids, type ObservabilityUids } from '../dashboards/uids';
import { Dashboard } from '../providers/generated/grafana/dashboard';
import { DataSource } from '../providers/generated/grafana/data-source';
import { Folder } from '../providers/generated/grafana/folder';
import { GrafanaProvider } from '../providers/generated/grafana/provider';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

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
  /** Rule groups, contact points and the notification policy. */
  readonly alerting: GrafanaAlerting;

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

    this.alerting = new GrafanaAlerting(this, 'alerting', {
      name: `cache-platform-${env.name}`,
      folderUid: this.folder.uid,
      ruleGroups: grafanaRuleGroups({ prometheusUid: uids.prometheus, environment: env.name }),
      ruleGroupsDependOn: [this.prometheus],
      pagerDuty: { integrationKeyPlaceholder: PAGERDUTY_KEY_PLACEHOLDER, component: 'cache-platform', group: env.name },
      warningWebhookUrl: env.alerting.warningWebhookUrl,
      // The routing tree the local Alertmanager is rendered from too (alerts/routing.ts).
      groupBy: DEFAULT_ROUTE.groupBy,
      routes: NOTIFICATION_ROUTES,
      rootTimings: { groupWait: DEFAULT_ROUTE.groupWait, groupInterval: DEFAULT_ROUTE.groupInterval, repeatInterval: DEFAULT_ROUTE.repeatInterval },
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
