import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { OBSERVABILITY, runbookAnchor } from '../../alerts/config';
import { prometheusRuleGroups, renderPrometheusRules } from '../../alerts/prometheus';
import { RULES_FILE, renderPromtoolTests } from '../../alerts/promtool-tests';
import { ALERT_RULES } from '../../alerts/rules';
import { ALERT_TEST_CASES } from '../../alerts/test-cases';
import { METRIC_NAMES } from '../../contracts/metrics';

const ROOT = resolve(__dirname, '../..');
const RENDERED = join(ROOT, 'alerts/rendered');

function promtool(args: string[], cwd: string): { status: number | null; out: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/** Metric names a PromQL expression reads (identifiers directly followed by `{` or `[`, or standing alone). */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const names = withoutStrings.match(/\b[a-z_][a-z0-9_]*\b(?=\s*[{[)])/g) ?? [];
  const keywords = new Set(['sum', 'max', 'min', 'rate', 'by', 'and', 'or', 'unless', 'on', 'time', 'histogram_quantile', 'increase', 'vector', 'absent', 'le', 'environment', 'namespace', 'route', 'bucket', 'job', 'reason', 'database']);
  return [...new Set(names.filter((n) => !keywords.has(n)))];
}

describe('alert rules (one typed source → Prometheus rules file)', () => {
  it('follow the conventions: CamelCase with a component prefix, severity, templated annotations, runbook section', () => {
    const runbook = readFileSync(join(ROOT, 'docs/runbook.md'), 'utf8');
    const headings = new Set([...runbook.matchAll(/^## (\S+)$/gm)].map((m) => runbookAnchor(m[1])));
    for (const rule of ALERT_RULES) {
      expect(rule.name).toMatch(/^(CacheService|Cache|Upstash|RateLimit)[A-Z0-9][A-Za-z0-9]+$/);
      expect(['critical', 'warning', 'info']).toContain(rule.severity);
      expect(rule.description).toMatch(/\{\{ \$labels\.\w+ \}\}/);
      expect(headings.has(runbookAnchor(rule.name))).toBe(true);
    }
    expect(new Set(ALERT_RULES.map((r) => r.name)).size).toBe(ALERT_RULES.length);
  });

  it('read only documented metrics (or up)', () => {
    const documented = new Set<string>([...METRIC_NAMES, 'up']);
    for (const rule of ALERT_RULES) {
      for (const name of metricsIn(rule.query)) {
        const base = name.replace(/_(bucket|count|sum)$/, '');
        expect({ rule: rule.name, metric: name, documented: documented.has(name) || documented.has(base) })
          .toEqual({ rule: rule.name, metric: name, documented: true });
      }
    }
  });

  it('include what the runbooks ask for, at their thresholds', () => {
    const byName = Object.fromEntries(prometheusRuleGroups().flatMap((g) => g.rules).map((r) => [r.alert, r]));
    expect(byName.CacheServiceHighErrorRate).toMatchObject({ for: '2m', labels: { severity: 'critical' } });
    expect(byName.CacheServiceHighErrorRate.expr).toMatch(/ > 0\.05$/);
    expect(byName.CacheServiceDown.expr).toBe(`up{job="${OBSERVABILITY.scrapeJob}"} == 0`);
    expect(byName.CacheServiceHighLatency).toMatchObject({ for: '5m' });
    expect(byName.CacheServiceHighMemoryUsage.expr).toMatch(/ > 0\.8$/);
    expect(byName.CacheHitRateLow).toMatchObject({ for: '1h', labels: { severity: 'warning' } });
    expect(byName.CacheHitRateLow.expr).toContain('namespace=~"marketing"');
    expect(byName.CacheHitRateCritical).toMatchObject({ labels: { severity: 'critical' } });
    expect(byName.CacheHitRateCritical.expr).toMatch(/ < 0\.3$/);
    expect(byName.UpstashQuotaWarning.expr).toMatch(/ >= 0\.55$/);
    expect(byName.UpstashQuotaCritical).toMatchObject({ labels: { severity: 'critical' } });
    expect(byName.UpstashQuotaCritical.expr).toMatch(/ >= 0\.7$/);
    for (const name of ['CacheServiceBackpressure', 'CacheServiceAuthFailures', 'RateLimit429Surge', 'CacheRotationOverdue', 'CacheJobFailing']) {
      expect(byName[name]).toBeDefined();
    }
  });

  it('pass promtool check rules', () => {
    const { status, out } = promtool(['check', 'rules', RULES_FILE], RENDERED);
    expect(out).toContain(`SUCCESS: ${ALERT_RULES.length} rules found`);
    expect(status).toBe(0);
  });

  it('pass promtool unit tests: one case per alert, silent before for: elapses, firing after with rendered annotations', () => {
    expect(Object.keys(ALERT_TEST_CASES).sort()).toEqual(ALERT_RULES.map((r) => r.name).sort());
    const files = Object.keys(renderPromtoolTests());
    const { status, out } = promtool(['test', 'rules', ...files], RENDERED);
    expect(out).not.toContain('FAILED');
    expect(status).toBe(0);
  });

  it('promtool tests fail when an expected annotation is wrong (the tests can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    try {
      writeFileSync(join(dir, RULES_FILE), renderPrometheusRules());
      const cases = { ...ALERT_TEST_CASES, CacheServiceHighErrorRate: {
        ...ALERT_TEST_CASES.CacheServiceHighErrorRate,
        firing: [{ ...ALERT_TEST_CASES.CacheServiceHighErrorRate.firing[0], summary: 'Cache service error rate is 7% in prod' }],
      } };
      const file = renderPromtoolTests(cases)['cache-alerts.test.yml'];
      writeFileSync(join(dir, 'cache-alerts.test.yml'), file);
      const { status, out } = promtool(['test', 'rules', 'cache-alerts.test.yml'], dir);
      expect(status).toBe(1);
      expect(out).toContain('CacheServiceHighErrorRate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the runbook rationale of tricky PromQL as comments', () => {
    const text = readFileSync(join(RENDERED, RULES_FILE), 'utf8');
    for (const rule of ALERT_RULES.filter((r) => 'rationale' in r)) {
      expect(text).toContain(`# ${(rule as { rationale: string }).rationale}`);
    }
    expect(parse(text)).toEqual({ groups: prometheusRuleGroups() });
  });

  it('has an executable promtool on the PATH', () => {
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool/);
  });
});
