import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { ENVIRONMENT_NAMES, environment } from '../../config';
import { buildDashboards, functionNames } from '../../dashboards';
import { LAMBDA_PANELS } from '../../dashboards/lambda-health';
import { observabilityUids } from '../../dashboards/uids';
import { METRIC_NAMES } from '../../contracts/metrics';

/** AWS/Lambda metrics documented by AWS that the Lambda dashboard may read. */
const CLOUDWATCH_LAMBDA_METRICS = new Set(['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions']);
const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'rate', 'by', 'and', 'or', 'unless', 'on', 'ignoring', 'group_left', 'time', 'histogram_quantile', 'label_values', 'increase', 'vector', 'absent']);

type Target = { expr?: string; namespace?: string; metricName?: string; datasource?: { type?: string; uid?: string } };

function panels(d: Dashboard): Panel[] {
  return (d.panels ?? []).filter((p): p is Panel => p.type !== 'row');
}

function promMetrics(expr: string): string[] {
  const names = expr.replace(/"[^"]*"/g, '""').match(/\b[a-z_][a-z0-9_]*\b(?=\s*[{[(])/g) ?? [];
  return names.filter((n) => !PROMQL_WORDS.has(n));
}

describe('dashboards (grafana-foundation-sdk)', () => {
  const env = environment('prod');
  const dashboards = buildDashboards(env);

  it('build with stable UIDs per environment', () => {
    const uids = observabilityUids('prod');
    expect(dashboards.map((d) => d.uid)).toEqual([uids.cacheOverview, uids.upstashUsage, uids.lambdaHealth]);
    expect(dashboards.map((d) => d.uid)).toEqual(['cache-overview-prod', 'cache-upstash-usage-prod', 'cache-lambda-health-prod']);
    for (const name of ENVIRONMENT_NAMES) {
      const uids = buildDashboards(environment(name)).map((d) => d.uid ?? '');
      expect(uids.every((u) => u.endsWith(`-${name}`) && u.length <= 40)).toBe(true);
      expect(JSON.stringify(buildDashboards(environment(name)))).toBe(JSON.stringify(buildDashboards(environment(name))));
    }
  });

  it('have environment and surface variables', () => {
    const names = (d: Dashboard): string[] => (d.templating?.list ?? []).map((v) => v.name);
    expect(names(dashboards[0])).toEqual(['environment', 'surface']);
    expect(names(dashboards[1])).toEqual(['environment', 'surface']);
    expect(names(dashboards[2])).toEqual(['environment', 'function']);
    expect(JSON.stringify(dashboards[2].templating)).toContain(functionNames(env)[0]);
  });

  it('put a unit on every panel and at least one query in each', () => {
    for (const d of dashboards) {
      for (const p of panels(d)) {
        expect({ panel: p.title, unit: typeof p.fieldConfig?.defaults?.unit }).toEqual({ panel: p.title, unit: 'string' });
        expect(p.targets?.length).toBeGreaterThan(0);
      }
    }
  });

  it('query only documented metrics (catalog) or AWS/Lambda CloudWatch metrics', () => {
    const documented = new Set<string>(METRIC_NAMES);
    let promQueries = 0;
    let cloudwatchQueries = 0;
    for (const d of dashboards) {
      for (const p of panels(d)) {
        for (const t of (p.targets ?? []) as Target[]) {
          if (t.datasource?.type === 'prometheus') {
            promQueries++;
            const metrics = promMetrics(t.expr ?? '');
            expect(metrics.length).toBeGreaterThan(0);
            for (const m of metrics) {
              const ok = documented.has(m) || documented.has(m.replace(/_(bucket|count|sum)$/, ''));
              expect({ panel: p.title, metric: m, ok }).toEqual({ panel: p.title, metric: m, ok: true });
            }
          } else {
            cloudwatchQueries++;
            expect(t.datasource?.type).toBe('cloudwatch');
            expect(t.namespace).toBe('AWS/Lambda');
            expect(CLOUDWATCH_LAMBDA_METRICS.has(t.metricName ?? '')).toBe(true);
          }
        }
      }
    }
    expect(promQueries).toBeGreaterThan(20);
    expect(cloudwatchQueries).toBe(LAMBDA_PANELS.length);
  });

  it('cover what on-call asked for', () => {
    const titles = dashboards.flatMap((d) => panels(d).map((p) => p.title));
    for (const title of ['Hit rate', 'Hit rate per surface', 'Reads by outcome', 'Origin calls', 'Latency p50 / p95 / p99', 'Error rate',
      '429s by bucket', 'Invalidations by kind', 'Backpressure', 'Admin auth failures', 'Monthly requests vs quota', 'Monthly bandwidth',
      'Storage', 'Evicted share of writes', 'Entries per surface', 'Payload bytes per surface', 'Invocations (Sum)', 'Errors (Sum)', 'Throttles (Sum)', 'Duration (p99)']) {
      expect(titles).toContain(title);
    }
    const exprs = JSON.stringify(dashboards[0]);
    expect(exprs).toContain('environment=\\"$environment\\"');
    expect(exprs).toContain('namespace=~\\"$surface\\"');
  });
});
