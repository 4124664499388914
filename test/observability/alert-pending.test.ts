import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { prometheusRuleGroups } from '../../alerts/prometheus';
import { ALERT_RULES, type AlertName } from '../../alerts/rules';
import { ALERT_TEST_CASES } from '../../alerts/test-cases';

/**
 * "Silent before `for:` elapses" only proves something when the condition already holds at
 * `pendingAt`. Same series, the rules with `for: 0s` (and no annotations, whose `$value` differs):
 * every alert must fire at `pendingAt` with the labels its case expects at `firingAt`.
 */
describe('alert test cases: the condition already holds at pendingAt', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alerts-pending-'));
    const groups = prometheusRuleGroups().map((g) => ({
      ...g, rules: g.rules.map((r) => ({ alert: r.alert, expr: r.expr, for: '0s', labels: r.labels })),
    }));
    writeFileSync(join(dir, 'immediate.rules.yml'), stringify({ groups }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(ALERT_RULES.map((r) => r.name as AlertName))('%s', (name) => {
    const c = ALERT_TEST_CASES[name];
    const severity = ALERT_RULES.find((r) => r.name === name)!.severity;
    const file = `${name}.test.yml`;
    writeFileSync(join(dir, file), stringify({
      rule_files: ['immediate.rules.yml'],
      evaluation_interval: c.evaluationInterval ?? '1m',
      tests: [{
        interval: c.interval ?? '1m',
        input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [{
          eval_time: c.pendingAt, alertname: name,
          exp_alerts: c.firing.map((a) => ({ exp_labels: { ...a.labels, severity } })),
        }],
      }],
    }, { lineWidth: 0 }));
    const run = spawnSync('promtool', ['test', 'rules', file], { cwd: dir, encoding: 'utf8' });
    expect({ status: run.status, out: `${run.stdout}${run.stderr}`.includes('FAILED') ? `${run.stdout}${run.stderr}` : 'ok' })
      .toEqual({ status: 0, out: 'ok' });
  });
});
