/**
 * The local monitoring stack's configuration, checked by the real tools: Alertmanager's routing tree
 * (amtool) and Prometheus's config with the time-scaled rules (promtool), all rendered from the one
 * alert source.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { alertmanagerConfig, renderAlertmanagerConfig } from '../../alerts/alertmanager';
import { renderPrometheusRules } from '../../alerts/prometheus';
import { RULES_FILE } from '../../alerts/promtool-tests';
import { ALERT_RULES } from '../../alerts/rules';
import { localPrometheusConfig } from '../../alerts/scrape-config';
import { scaleDuration, scaleRules } from '../../alerts/time-scale';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'local-monitoring-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('local monitoring configuration', () => {
  it('scales for: and range windows, never thresholds', () => {
    const [scaled] = scaleRules(ALERT_RULES.filter((r) => r.name === 'CacheServiceHighErrorRate'), 1 / 30);
    expect(scaled?.for).toBe('4s');
    expect(scaled?.query).toContain('[10s]');
    expect(scaled?.query).not.toContain('[5m]');
    expect(scaled?.threshold).toBe(0.05);
    expect(scaleDuration('1d', 1 / 30)).toBe('2880s');
    expect(() => scaleRules(ALERT_RULES, 2)).toThrow('time scale factor must be in (0, 1], got 2');
  });

  it('routes critical to pager and everything else to chat, and amtool accepts it', () => {
    const config = alertmanagerConfig({ webhooks: { pager: 'http://127.0.0.1:1/p', chat: 'http://127.0.0.1:1/c' } }) as {
      route: { receiver: string; routes: { receiver: string; matchers: string[] }[] };
    };
    expect(config.route.receiver).toBe('chat');
    expect(config.route.routes.map((r) => [r.matchers[0], r.receiver]))
      .toEqual([['severity="critical"', 'pager'], ['severity="warning"', 'chat'], ['severity="info"', 'chat']]);
    writeFileSync(join(dir, 'alertmanager.yml'), renderAlertmanagerConfig({ webhooks: { pager: 'http://127.0.0.1:1/p', chat: 'http://127.0.0.1:1/c' }, timeScale: 1 / 30 }));
    expect(run('amtool', ['check-config', 'alertmanager.yml'])).toMatchObject({ status: 0 });
  });

  it('promtool accepts the local Prometheus config with the scaled rules', () => {
    writeFileSync(join(dir, RULES_FILE), renderPrometheusRules(scaleRules(ALERT_RULES, 1 / 30), 2));
    writeFileSync(join(dir, 'token'), 'secret');
    writeFileSync(join(dir, 'prometheus.yml'), stringify(localPrometheusConfig({
      target: '127.0.0.1:8787', tokenFile: join(dir, 'token'), alertmanager: '127.0.0.1:9093', intervalSeconds: 2,
    })));
    const checked = run('promtool', ['check', 'config', 'prometheus.yml']);
    expect(checked.out).toContain(`SUCCESS: ${ALERT_RULES.length} rules found`);
    expect(checked.status).toBe(0);
  });
});
