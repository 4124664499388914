import type { ITerraformDependable, TerraformResource } from 'cdktn';
import { Construct } from 'constructs';
import { ContactPoint } from '../../providers/generated/grafana/contact-point';
import { MessageTemplate } from '../../providers/generated/grafana/message-template';
import { NotificationPolicy, type NotificationPolicyPolicy } from '../../providers/generated/grafana/notification-policy';
import { RuleGroup, type RuleGroupRule } from '../../providers/generated/grafana/rule-group';

/** One Grafana alert rule group: its rules are evaluated together, every `intervalSeconds`. */
export interface GrafanaRuleGroupSpec {
  /** Group name, unique in the folder; `[a-z0-9-]`. */
  readonly name: string;
  /** Evaluation interval, seconds (a multiple of 10, at least 10). */
  readonly intervalSeconds: number;
  /** The `rule` blocks (see alerts/grafana.ts). */
  readonly rule: readonly RuleGroupRule[];
}

export interface GrafanaAlertingProps {
  /** Prefix of the message template and contact point names, e.g. `cache-platform-prod`; `[a-z0-9-]`. */
  readonly name: string;
  /** UID of the folder the rule groups go into. */
  readonly folderUid: string;
  /** The rule groups. */
  readonly ruleGroups: readonly GrafanaRuleGroupSpec[];
  /** What the rule groups read (the data sources): created first. @default - none */
  readonly ruleGroupsDependOn?: readonly ITerraformDependable[];
  /**
   * The PagerDuty contact point that receives `severity=critical` alerts. The integration key is a
   * placeholder whose later changes Terraform ignores: an operator puts the real key into Grafana
   * once, so it never enters Terraform state.
   */
  readonly pagerDuty: {
    /** Value the contact point is created with (not a key). */
    readonly integrationKeyPlaceholder: string;
    /** PagerDuty `component`, e.g. `cache-platform`. */
    readonly component: string;
    /** PagerDuty `group`, e.g. the environment. */
    readonly group: string;
  };
  /** https URL of the webhook that receives `severity=warning` and `severity=info` alerts (and anything unrouted). */
  readonly warningWebhookUrl: string;
  /** Labels alerts are grouped by in one notification. @default ['alertname', 'environment'] */
  readonly groupBy?: readonly string[];
  /**
   * Routes by `severity`: `pager` is the PagerDuty contact point, `chat` the webhook.
   * @default critical → pager (wait 30s, repeat 1h), warning → chat (1m, 12h), info → chat (1m, 24h)
   */
  readonly routes?: readonly GrafanaSeverityRoute[];
  /** Timings of the root policy (alerts no route matches go to `chat`). @default wait 1m, interval 5m, repeat 12h */
  readonly rootTimings?: { readonly groupWait: string; readonly groupInterval: string; readonly repeatInterval: string };
}

export interface GrafanaSeverityRoute {
  readonly severity: string;
  readonly receiver: 'pager' | 'chat';
  readonly groupWait: string;
  readonly repeatInterval: string;
}

const DEFAULT_ROUTES: readonly GrafanaSeverityRoute[] = [
  { severity: 'critical', receiver: 'pager', groupWait: '30s', repeatInterval: '1h' },
  { severity: 'warning', receiver: 'chat', groupWait: '1m', repeatInterval: '12h' },
  { severity: 'info', receiver: 'chat', groupWait: '1m', repeatInterval: '24h' },
];

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Grafana alerting of one environment: the rule groups, a message template (title and body with
 * summary, description and runbook link), a PagerDuty contact point for critical alerts, a webhook
 * contact point for warnings, and the organisation's notification policy routing by `severity`
 * (critical: wait 30 s, repeat hourly; warning: 12 h; info: 24 h).
 *
 * Construct ids are a contract with deployed state: each resource keeps the logical id it had when
 * the observability stack created it directly (`rules-<group>`, `message-template`,
 * `contact-critical`, `contact-warning`, `notification-policy`), so its Terraform address is the
 * same whatever the construct's own id.
 */
export class GrafanaAlerting extends Construct {
  readonly ruleGroups: RuleGroup[];
  readonly messageTemplate: MessageTemplate;
  readonly criticalContactPoint: ContactPoint;
  readonly warningContactPoint: ContactPoint;
  readonly notificationPolicy: NotificationPolicy;

  constructor(scope: Construct, id: string, props: GrafanaAlertingProps) {
    super(scope, id);
    if (!NAME.test(props.name)) throw new Error(`GrafanaAlerting name "${props.name}" must be lowercase [a-z0-9-], at most 64 characters`);
    if (!/^https:\/\//.test(props.warningWebhookUrl)) {
      throw new Error(`GrafanaAlerting ${props.name}: warningWebhookUrl must be an https URL, got "${props.warningWebhookUrl}"`);
    }
    const seen = new Set<string>();
    for (const g of props.ruleGroups) {
      if (!NAME.test(g.name)) throw new Error(`GrafanaAlerting ${props.name}: rule group name "${g.name}" must be lowercase [a-z0-9-]`);
      if (seen.has(g.name)) throw new Error(`GrafanaAlerting ${props.name}: rule group "${g.name}" is declared twice`);
      seen.add(g.name);
      if (!(Number.isInteger(g.intervalSeconds) && g.intervalSeconds >= 10 && g.intervalSeconds % 10 === 0)) {
        throw new Error(`GrafanaAlerting ${props.name}: rule group "${g.name}" intervalSeconds must be a multiple of 10, at least 10, got ${g.intervalSeconds}`);
      }
    }
    const groupBy = [...(props.groupBy ?? ['alertname', 'environment'])];

    this.ruleGroups = props.ruleGroups.map((group) => keepId(new RuleGroup(this, `rules-${group.name}`, {
      name: group.name,
      folderUid: props.folderUid,
      intervalSeconds: group.intervalSeconds,
      rule: [...group.rule],
      dependsOn: props.ruleGroupsDependOn ? [...props.ruleGroupsDependOn] : undefined,
    })));

    this.messageTemplate = keepId(new MessageTemplate(this, 'message-template', { name: props.name, template: messageTemplate(props.name) }));
    const title = `{{ template "${props.name}.title" . }}`;
    const message = `{{ template "${props.name}.message" . }}`;

    this.criticalContactPoint = keepId(new ContactPoint(this, 'contact-critical', {
      name: `${props.name}-critical`,
      pagerduty: [{
        integrationKey: props.pagerDuty.integrationKeyPlaceholder,
        severity: 'critical',
        summary: title,
        component: props.pagerDuty.component,
        group: props.pagerDuty.group,
      }],
      lifecycle: { ignoreChanges: ['pagerduty'] },
      dependsOn: [this.messageTemplate],
    }));
    this.warningContactPoint = keepId(new ContactPoint(this, 'contact-warning', {
      name: `${props.name}-warning`,
      webhook: [{ url: props.warningWebhookUrl, title, message }],
      dependsOn: [this.messageTemplate],
    }));

    const contactPoints = { pager: this.criticalContactPoint, chat: this.warningContactPoint };
    const route = (r: GrafanaSeverityRoute): NotificationPolicyPolicy => ({
      matcher: [{ label: 'severity', match: '=', value: r.severity }],
      contactPoint: contactPoints[r.receiver].name,
      groupBy,
      groupWait: r.groupWait,
      repeatInterval: r.repeatInterval,
    });
    const root = props.rootTimings ?? { groupWait: '1m', groupInterval: '5m', repeatInterval: '12h' };
    this.notificationPolicy = keepId(new NotificationPolicy(this, 'notification-policy', {
      contactPoint: this.warningContactPoint.name,
      groupBy,
      ...root,
      policy: (props.routes ?? DEFAULT_ROUTES).map(route),
    }));
  }
}

/** The resource's logical id is its construct id, as if the stack had created it (see the class comment). */
function keepId<T extends TerraformResource>(resource: T): T {
  resource.overrideLogicalId(resource.node.id);
  return resource;
}

/** Notification title and body shared by every contact point: summary, description, runbook. */
function messageTemplate(name: string): string {
  return [
    `{{ define "${name}.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.environment }}){{ end }}`,
    `{{ define "${name}.message" }}{{ range .Alerts }}`,
    '{{ .Labels.severity | toUpper }}: {{ .Annotations.summary }}',
    '{{ .Annotations.description }}',
    'Runbook: {{ .Annotations.runbook_url }}',
    '{{ end }}{{ end }}',
  ].join('\n');
}
