import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { deterministicZip } from '../../constructs/bundling/deterministic-zip';
import { bundleLambda } from '../../constructs/bundling/lambda-bundle';

const FIXTURE = 'test/constructs/fixtures/echo-handler.ts';
const outDir = mkdtempSync(join(tmpdir(), 'bundles-'));

/** Loads a CommonJS bundle the way the Lambda runtime does (module.exports of index.js). */
function loadBundle(code: Buffer): { handler: (e: unknown) => Promise<{ statusCode: number; body: string }>; makeClient: () => unknown } {
  const mod = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', code.toString('utf8'))(mod, mod.exports, require);
  return mod.exports as never;
}

describe('bundleLambda', () => {
  it('builds byte-identical archives and code across two uncached builds', () => {
    const a = bundleLambda(FIXTURE, { cache: false, outDir });
    const b = bundleLambda(FIXTURE, { cache: false, outDir });
    expect(b).not.toBe(a);
    expect(Buffer.compare(a.code, b.code)).toBe(0);
    expect(Buffer.compare(a.zip, b.zip)).toBe(0);
    expect(b.sha256Hex).toBe(a.sha256Hex);
  });

  it('hashes the zip: hex names the archive, base64 is the provider source_code_hash', () => {
    const bundle = bundleLambda(FIXTURE, { outDir });
    expect(bundle.sha256Base64).toBe(createHash('sha256').update(bundle.zip).digest('base64'));
    expect(bundle.zipPath).toBe(join(outDir, `${createHash('sha256').update(bundle.zip).digest('hex')}.zip`));
    expect(Buffer.compare(readFileSync(bundle.zipPath), bundle.zip)).toBe(0);
  });

  it('writes a valid zip whose index.js is the minified bundle, with the AWS SDK left external', async () => {
    const bundle = bundleLambda(FIXTURE, { outDir });
    execFileSync('unzip', ['-tq', bundle.zipPath]);
    const extracted = execFileSync('unzip', ['-p', bundle.zipPath, 'index.js']);
    expect(Buffer.compare(extracted, bundle.code)).toBe(0);
    const listing = execFileSync('zipinfo', [bundle.zipPath]).toString();
    expect(listing).toMatch(/-rw-r--r--.* index\.js/);
    expect(listing).toMatch(/80-Jan-01 00:00 index\.js/);

    const code = bundle.code.toString('utf8');
    expect(code).toContain('require("@aws-sdk/client-secrets-manager")');
    expect(code).toContain('hello, ');
    expect(code.split('\n').length).toBeLessThanOrEqual(3); // minified
    expect(code).not.toMatch(/test\/constructs\/fixtures/); // no source paths leak

    const loaded = loadBundle(bundle.code);
    await expect(loaded.handler({ name: 'lambda' })).resolves.toEqual({ statusCode: 200, body: 'hello, lambda' });
  });

  it('reuses a bundle within a process while its inputs are unchanged, and rebuilds when one changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-src-'));
    copyFileSync(join(__dirname, 'fixtures', 'greeting.ts'), join(dir, 'greeting.ts'));
    writeFileSync(join(dir, 'handler.ts'), "import { greeting } from './greeting';\nexport const handler = async () => greeting('x');\n");
    const first = bundleLambda(join(dir, 'handler.ts'), { outDir });
    expect(bundleLambda(join(dir, 'handler.ts'), { outDir })).toBe(first);

    writeFileSync(join(dir, 'greeting.ts'), 'export const greeting = (n: string): string => `bye, ${n}`;\n');
    const second = bundleLambda(join(dir, 'handler.ts'), { outDir });
    expect(second).not.toBe(first);
    expect(second.sha256Hex).not.toBe(first.sha256Hex);
    expect(second.code.toString()).toContain('bye, ');
  });

  it('names a missing entry', () => {
    expect(() => bundleLambda('lambdas/nope/handler.ts', { outDir })).toThrow(/Lambda entry "lambdas\/nope\/handler.ts" does not exist/);
  });

  it('reports esbuild errors with the entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-bad-'));
    writeFileSync(join(dir, 'handler.ts'), "import { missing } from './nowhere';\nexport const handler = missing;\n");
    expect(() => bundleLambda(join(dir, 'handler.ts'), { outDir })).toThrow(/Could not resolve "\.\/nowhere"/);
  });
});

describe('deterministicZip', () => {
  it('depends only on the entries: same input, same bytes; order of input does not matter', () => {
    const a = deterministicZip([{ name: 'b.txt', content: Buffer.from('b') }, { name: 'a.txt', content: Buffer.from('a') }]);
    const b = deterministicZip([{ name: 'a.txt', content: Buffer.from('a') }, { name: 'b.txt', content: Buffer.from('b') }]);
    expect(Buffer.compare(a, b)).toBe(0);
    const path = join(mkdtempSync(join(tmpdir(), 'zip-')), 'x.zip');
    writeFileSync(path, a);
    expect(execFileSync('unzip', ['-p', path, 'b.txt']).toString()).toBe('b');
  });
});

describe('the platform functions', () => {
  it.each(['cache', 'admin', 'warmup', 'audit', 'rotation'])('lambdas/%s/handler.ts bundles byte-identically twice', (name) => {
    const a = bundleLambda(`lambdas/${name}/handler.ts`, { cache: false, outDir });
    const b = bundleLambda(`lambdas/${name}/handler.ts`, { cache: false, outDir });
    expect(Buffer.compare(a.zip, b.zip)).toBe(0);
    expect(a.code.length).toBeGreaterThan(0);
  });
});
