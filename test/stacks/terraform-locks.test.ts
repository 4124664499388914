/**
 * scripts/terraform-locks.sh on a scratch tree: committed lock files go into synthesized stacks, a
 * new or changed lock file fails the check (and is copied out for review), deploys require them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'terraform-locks.sh');
let root: string;

function locks(...args: string[]): { code: number | null; err: string } {
  const r = spawnSync('bash', [SCRIPT, ...args], { env: { ...process.env, TERRAFORM_LOCKS_ROOT: root }, encoding: 'utf8' });
  return { code: r.status, err: r.stderr };
}
const stackLock = (stack: string): string => join(root, 'cdktf.out', 'stacks', stack, '.terraform.lock.hcl');
const committed = (stack: string): string => join(root, 'terraform', 'locks', `${stack}.terraform.lock.hcl`);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tf-locks-'));
  for (const stack of ['dev-data', 'dev-runtime']) mkdirSync(join(root, 'cdktf.out', 'stacks', stack), { recursive: true });
  mkdirSync(join(root, 'terraform', 'locks'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('terraform-locks.sh', () => {
  it('restore copies each committed lock file into its stack', () => {
    writeFileSync(committed('dev-data'), 'provider "aws" {}\n');
    expect(locks('restore').code).toBe(0);
    expect(readFileSync(stackLock('dev-data'), 'utf8')).toBe('provider "aws" {}\n');
  });

  it('restore fails on a lock file whose stack was not synthesized (a renamed stack)', () => {
    writeFileSync(committed('dev-gone'), 'x');
    const r = locks('restore');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no synthesized stack dev-gone');
  });

  it('check fails on a new or changed lock file, copies it out, and passes once it is committed', () => {
    writeFileSync(stackLock('dev-data'), 'v1');
    const first = locks('check', 'dev-data');
    expect(first.code).toBe(1);
    expect(first.err).toContain('new or changed provider locks for dev-data');
    expect(readFileSync(committed('dev-data'), 'utf8')).toBe('v1');
    expect(locks('check', 'dev-data').code).toBe(0);
    writeFileSync(stackLock('dev-data'), 'v2'); // terraform init -upgrade moved a provider
    expect(locks('check', 'dev-data').code).toBe(1);
  });

  it('require fails unless every stack has a committed lock file; bad usage exits 2', () => {
    writeFileSync(committed('dev-data'), 'x');
    expect(locks('require', 'dev-data').code).toBe(0);
    const r = locks('require', 'dev-data', 'dev-runtime');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no committed lock file for dev-runtime');
    expect(locks('check').code).toBe(2);
    expect(locks('frobnicate').code).toBe(2);
  });
});
