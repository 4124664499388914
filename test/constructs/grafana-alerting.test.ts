import { GrafanaAlerting, type GrafanaAlertingProps } from '../../constructs/grafana/grafana-alerting';
import { GrafanaProvider } from '../../providers/generated/grafana/provider';
import { awsTestStack, resources, synth } from '../support/cdk-test-kit';

const RULE = { name: 'HighErrors', uid: 'x', condition: 'C', for: '5m', data: [] };

function make(props: Partial<GrafanaAlertingProps> = {}) {
  const { stack } = awsTestStack();
  new GrafanaProvider(stack, 'grafana', { url: 'https://grafana.example.com' });
  const alerting = new GrafanaAlerting(stack, 'alerting', {
    name: 'cache-platform-test',
    folderUid: 'folder-uid',
    ruleGroups: [{ name: 'cache-platform-cache', intervalSeconds: 60, rule: [RULE] }],
    pagerDuty: { integrationKeyPlaceholder: 'placeholder', component: 'cache-platform', group: 'test' },
    warningWebhookUrl: 'https://hooks.example.com/x',
    ...props,
  });
  return { stack, alerting };
}

describe('GrafanaAlerting', () => {
  it('keeps the logical ids its resources had at stack level, whatever its own id', () => {
    const s = synth(make().stack);
    expect(Object.keys(resources(s, 'grafana_rule_group'))).toEqual(['rules-cache-platform-cache']);
    expect(Object.keys(resources(s, 'grafana_message_template'))).toEqual(['message-template']);
    expect(Object.keys(resources(s, 'grafana_contact_point')).sort()).toEqual(['contact-critical', 'contact-warning']);
    expect(Object.keys(resources(s, 'grafana_notification_policy'))).toEqual(['notification-policy']);
  });

  it('routes critical alerts to PagerDuty and the rest to the webhook, the key never in Terraform', () => {
    const s = synth(make().stack);
    const points = resources(s, 'grafana_contact_point');
    expect(points['contact-critical']).toMatchObject({ name: 'cache-platform-test-critical', lifecycle: { ignore_changes: ['pagerduty'] } });
    expect(points['contact-warning']).toMatchObject({ name: 'cache-platform-test-warning', webhook: [{ url: 'https://hooks.example.com/x' }] });
    const policy = resources(s, 'grafana_notification_policy')['notification-policy'] as { policy: { matcher: { value: string }[]; contact_point: string }[] };
    expect(policy.policy.map((p) => [p.matcher[0]?.value, p.contact_point])).toEqual([
      ['critical', '${grafana_contact_point.contact-critical.name}'],
      ['warning', '${grafana_contact_point.contact-warning.name}'],
      ['info', '${grafana_contact_point.contact-warning.name}'],
    ]);
  });

  it.each<[string, Partial<GrafanaAlertingProps>, RegExp]>([
    ['name', { name: 'Cache Platform' }, /name "Cache Platform" must be lowercase/],
    ['webhook', { warningWebhookUrl: 'http://hooks.example.com' }, /warningWebhookUrl must be an https URL, got "http:\/\/hooks.example.com"/],
    ['interval', { ruleGroups: [{ name: 'g', intervalSeconds: 15, rule: [RULE] }] }, /rule group "g" intervalSeconds must be a multiple of 10, at least 10, got 15/],
    ['duplicate group', { ruleGroups: [{ name: 'g', intervalSeconds: 60, rule: [RULE] }, { name: 'g', intervalSeconds: 60, rule: [RULE] }] }, /rule group "g" is declared twice/],
  ])('refuses a bad %s, naming the value', (_what, props, message) => {
    expect(() => make(props)).toThrow(message);
  });
});
