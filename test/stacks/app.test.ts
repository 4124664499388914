import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../main';
import { environment, type EnvironmentConfig } from '../../config';

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

  // The AWS and Upstash value sets live with the constructs (not in config): a value they refuse
  // fails the build of the app, naming it.
  it.each<[string, (e: EnvironmentConfig) => EnvironmentConfig, RegExp]>([
    ['log retention CloudWatch does not offer', (e) => ({ ...e, logRetentionDays: 8 }), /logRetentionDays must be one of 1, 3, .*got 8/],
    ['primary region Upstash does not offer', (e) => ({ ...e, upstash: { ...e.upstash, primaryRegion: 'eu-north-1' } }), /primaryRegion "eu-north-1" must be one of us-east-1/],
    ['read region Upstash does not offer', (e) => ({ ...e, upstash: { ...e.upstash, readRegions: ['ca-central-1'] } }), /read region "ca-central-1" must be an Upstash global region/],
  ])('refuses an environment with a %s', (_what, change, message) => {
    expect(() => buildApp({ environments: [change(environment('prod'))], outdir: mkdtempSync(join(tmpdir(), 'app-')) })).toThrow(message);
  });

  it('builds only the environments it is given', () => {
    const { stacks } = buildApp({ environments: [environment('dev')], outdir: mkdtempSync(join(tmpdir(), 'app-')) });
    expect(Object.keys(stacks)).toEqual(['dev']);
  });
});
