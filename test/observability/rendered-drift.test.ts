import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RENDERED_DIR, renderedArtifacts } from '../../alerts/artifacts';

const ROOT = resolve(__dirname, '../..');

describe('rendered observability files are up to date (npm run render:alerts)', () => {
  const files = renderedArtifacts();

  it.each(Object.keys(files))('%s matches its source', (path) => {
    const committed = existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : undefined;
    expect(committed === files[path] ? 'up to date' : `${path} is stale: run npm run render:alerts`).toBe('up to date');
  });

  it('has no stale files in alerts/rendered', () => {
    const present = readdirSync(join(ROOT, RENDERED_DIR)).map((f) => `${RENDERED_DIR}/${f}`).sort();
    expect(present).toEqual(Object.keys(files).filter((p) => p.startsWith(`${RENDERED_DIR}/`)).sort());
  });

  it.each(Object.keys(files).filter((p) => /prometheus\.\w+\.yml$/.test(p)))('%s is a valid Prometheus config', (path) => {
    // --syntax-only: the admin token file exists only on the Prometheus host.
    const run = spawnSync('promtool', ['check', 'config', '--syntax-only', path.split('/').pop() as string], { cwd: join(ROOT, RENDERED_DIR), encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });
});
