import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../main';
import { environment } from '../../config';

describe('buildApp', () => {
  it('builds the four stacks of every environment without writing any file', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'app-'));
    const { app } = buildApp({ outdir });
    const ids = app.node.children.map((c) => c.node.id).sort();
    expect(ids).toEqual(
      ['dev', 'prod', 'staging'].flatMap((e) => ['data', 'observability', 'runtime', 'secrets'].map((s) => `${e}-${s}`)),
    );
    // cdktf's App creates an empty stacks/ folder; no file is written before synth().
    const files = readdirSync(outdir, { recursive: true }).map(String).filter((f) => statSync(join(outdir, f)).isFile());
    expect(files).toEqual([]);
  });

  it('builds only the environments it is given', () => {
    const { stacks } = buildApp({ environments: [environment('dev')], outdir: mkdtempSync(join(tmpdir(), 'app-')) });
    expect(Object.keys(stacks)).toEqual(['dev']);
  });
});
