/**
 * `cdktn synth` through the real cdktn-cli, on Node 22 (the CLI needs 22.19+; this machine may
 * have Node 20, so scripts/with-node22.sh brings Node 22 from the npm registry when needed): it
 * must write the same Terraform as the app built in-process, which is what `npm run synth` and
 * every other test look at.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeApp, type SynthesizedApp } from '../stacks/synthesized-app';

const ROOT = join(__dirname, '..', '..');
let cliOut: string;
let app: SynthesizedApp;
let cli: ReturnType<typeof spawnSync>;

beforeAll(() => {
  cliOut = mkdtempSync(join(tmpdir(), 'cdktn-cli-'));
  cli = spawnSync('bash', ['scripts/with-node22.sh', 'npx', 'cdktn', 'synth', '--output', cliOut], {
    cwd: ROOT, encoding: 'utf8', timeout: 240_000,
  });
  app = synthesizeApp();
}, 300_000);

afterAll(() => {
  rmSync(cliOut, { recursive: true, force: true });
  rmSync(app.outdir, { recursive: true, force: true });
});

function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, withoutMetadata(v)]));
  }
  return value;
}

describe('npx cdktn synth on Node 22', () => {
  it('exits 0 and names every stack', () => {
    expect([cli.status, cli.stderr]).toEqual([0, expect.anything()]);
    expect(cli.stdout).toMatch(/Generated Terraform code for the stacks: .*dev-data.*staging-runtime/);
  });

  it('writes the same Terraform for every stack as the in-process app', () => {
    const stacks = readdirSync(join(cliOut, 'stacks')).sort();
    expect(stacks).toHaveLength(12);
    for (const id of stacks) {
      const viaCli = withoutMetadata(JSON.parse(readFileSync(join(cliOut, 'stacks', id, 'cdk.tf.json'), 'utf8')));
      expect([id, viaCli]).toEqual([id, app.stack(id).json]);
    }
  });
});
