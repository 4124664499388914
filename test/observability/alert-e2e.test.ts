/**
 * The on-call path end to end on real components: the dev server (real redis-server), Debian's
 * Prometheus scraping its `/metrics` and evaluating the shipped rules (time-scaled by 1/30, rendered
 * from alerts/rules.ts), Alertmanager routing with the shipped tree, and local webhook receivers.
 * Only the Upstash Developer API is a stand-in (local/developer-api.ts). Each real fault must raise
 * its alert (inactive → pending → firing), page the right receiver with severity, summary and
 * runbook_url, and resolve once the fault is gone.
 */
import { runbookUrl } from '../../alerts/config';
import { receiverFor } from '../../alerts/routing';
import { ALERT_RULES } from '../../alerts/rules';
import { startDrillStack, type DrillResult, type DrillStack } from '../../local/alert-drill';
import { runAlertDrills } from '../../local/alert-scenarios';

jest.setTimeout(600_000);

let stack: DrillStack;
let results: DrillResult[];

beforeAll(async () => {
  stack = await startDrillStack({ timeScale: 1 / 30 });
  results = await runAlertDrills(stack, { timeoutMs: 150_000 });
});
afterAll(async () => {
  await stack?.close();
});

const EXPECTED = ['CacheServiceHighErrorRate', 'RateLimit429Surge', 'UpstashQuotaWarning', 'UpstashQuotaCritical', 'CacheServiceDown'];

describe('alerts fire on real scraped data, page the on-call receiver and resolve', () => {
  it('drills every fault', () => {
    expect(results.map((r) => r.alert)).toEqual(EXPECTED);
  });

  it.each(EXPECTED)('%s: inactive, then pending, then firing', (alert) => {
    const r = results.find((x) => x.alert === alert)!;
    expect([r.before, ...r.states]).toEqual(['inactive', 'pending', 'firing']);
  });

  it.each(EXPECTED)('%s: reaches the receiver its severity routes to, with severity, summary and runbook_url', (alert) => {
    const r = results.find((x) => x.alert === alert)!;
    const rule = ALERT_RULES.find((x) => x.name === alert)!;
    expect(r.page.receiver).toBe(receiverFor(rule.severity));
    expect(r.page.labels).toMatchObject({ alertname: alert, severity: rule.severity, environment: 'dev' });
    expect(r.page.annotations.runbook_url).toBe(runbookUrl(alert));
    expect(r.page.annotations.summary).toMatch(/\S/);
    expect(r.page.annotations.summary).not.toContain('{{');
    const other = receiverFor(rule.severity) === 'pager' ? 'chat' : 'pager';
    expect(stack.monitoring.receivers[other].alerts().filter((a) => a.labels.alertname === alert)).toEqual([]);
  });

  it.each(EXPECTED)('%s: resolves after the fault is removed', (alert) => {
    const r = results.find((x) => x.alert === alert)!;
    expect([r.resolved.status, r.resolved.receiver, r.resolved.labels.alertname]).toEqual(['resolved', receiverFor(ALERT_RULES.find((x) => x.name === alert)!.severity), alert]);
  });

  it('summaries carry the measured value', () => {
    const byName = Object.fromEntries(results.map((r) => [r.alert, r.page.annotations.summary]));
    expect(byName.UpstashQuotaWarning).toBe('Upstash cache used 60% of its monthly requests in dev');
    expect(byName.UpstashQuotaCritical).toBe('Upstash cache used 75% of its monthly requests in dev');
    expect(byName.RateLimit429Surge).toMatch(/^[\d.]+% of api requests are rate limited in dev$/);
  });
});
