import { ENVIRONMENT_NAMES, environment } from '../config';
import { renderMetricsDoc } from './metrics-doc';
import { renderPrometheusRules } from './prometheus';
import { RULES_FILE, renderPromtoolTests } from './promtool-tests';
import { renderPrometheusConfig, scrapeConfigFileName } from './scrape-config';

/** Folder of the rendered Prometheus files, relative to the project root. */
export const RENDERED_DIR = 'alerts/rendered';

/**
 * Every generated observability file, by path relative to the project root: the rules file, the
 * promtool tests, the Prometheus config per environment and `docs/metrics.md`.
 */
export function renderedArtifacts(): Record<string, string> {
  const files: Record<string, string> = {
    [`${RENDERED_DIR}/${RULES_FILE}`]: renderPrometheusRules(),
    'docs/metrics.md': renderMetricsDoc(),
  };
  for (const [name, content] of Object.entries(renderPromtoolTests())) files[`${RENDERED_DIR}/${name}`] = content;
  for (const name of ENVIRONMENT_NAMES) {
    const env = environment(name);
    files[`${RENDERED_DIR}/${scrapeConfigFileName(env)}`] = renderPrometheusConfig(env);
  }
  return files;
}
