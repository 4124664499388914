import { ALERT_RULES } from '../../alerts/rules';
import { prometheusConfig } from '../../alerts/scrape-config';
import { environment, ENVIRONMENTS } from '../../config';
import { LABELS, METRICS, METRIC_NAMES } from '../../contracts/metrics';

/** Labels Prometheus attaches to every scraped series from the target (config and built-ins). */
function targetLabels(scrape: Record<string, any>): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const fromConfig = Object.keys(scrape.static_configs?.[0]?.labels ?? {});
  return [...new Set(['job', 'instance', ...fromConfig])];
}

describe('the scrape keeps the labels the runtime records', () => {
  it.each(Object.keys(ENVIRONMENTS))('%s: a catalog label that is also a target label survives the scrape (honor_labels)', (name) => {
    const scrape = (prometheusConfig(environment(name)).scrape_configs as Record<string, unknown>[])[0];
    const colliding = targetLabels(scrape).filter((l) => l in LABELS);
    // Without honor_labels Prometheus renames a scraped `job` to `exported_job`, and
    // `cache_job_*{job="audit"}` (CacheJobFailing, the jobs dashboard) would never match.
    if (colliding.length > 0) expect({ colliding, honor_labels: scrape.honor_labels }).toEqual({ colliding, honor_labels: true });
  });

  it('never lets the runtime record a label the scrape sets per environment', () => {
    for (const metric of METRIC_NAMES) expect(METRICS[metric].labels as readonly string[]).not.toContain('environment');
  });

  it('alerts group and filter only by labels their metrics carry after the scrape', () => {
    const allowed = (metrics: string[]): Set<string> => new Set([
      'environment', 'le', ...metrics.flatMap((m) => (m === 'up' ? ['job', 'instance'] : [...(METRICS[m.replace(/_(bucket|count|sum)$/, '') as keyof typeof METRICS]?.labels ?? [])])),
    ]);
    for (const rule of ALERT_RULES) {
      const metrics = [...rule.query.matchAll(/\b[a-z_][a-z0-9_]*\b/g)].map((m) => m[0])
        .filter((m) => m === 'up' || (METRIC_NAMES as string[]).includes(m.replace(/_(bucket|count|sum)$/, '')));
      expect(metrics.length).toBeGreaterThan(0);
      const used = [
        ...[...rule.query.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((s) => s.trim())),
        ...[...rule.query.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1].matchAll(/(\w+)\s*=~?/g)].map((x) => x[1])),
      ];
      const ok = allowed(metrics);
      expect({ rule: rule.name, unknown: used.filter((l) => !ok.has(l)) }).toEqual({ rule: rule.name, unknown: [] });
    }
  });
});
