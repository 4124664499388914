/**
 * `npm run render:alerts`: writes the rendered alert rules, their promtool tests, the Prometheus
 * config per environment and docs/metrics.md. CI runs the drift test (test/observability) which
 * fails when a committed file differs from what this writes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RENDERED_DIR, renderedArtifacts } from './artifacts';

const root = resolve(__dirname, '..');
const files = renderedArtifacts();
const wanted = new Set(Object.keys(files));
mkdirSync(join(root, RENDERED_DIR), { recursive: true });
for (const stale of readdirSync(join(root, RENDERED_DIR))) {
  if (!wanted.has(`${RENDERED_DIR}/${stale}`)) rmSync(join(root, RENDERED_DIR, stale));
}
for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
