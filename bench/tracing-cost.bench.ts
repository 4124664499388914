/**
 * What tracing costs a function: the cache and admin bundles built as deployed (the OpenTelemetry
 * SDK, its context manager, propagators and OTLP/HTTP exporter inside) and built again with
 * lambdas/shared/tracing.ts swapped for a no-op, side by side: minified bytes and cold require
 * (fresh `node` processes as bench/bundle.bench.ts measures init, the two bundles in alternation). The collector layer's
 * own start (a Lambda extension) cannot be measured here. Run: `npx tsx bench/tracing-cost.bench.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { BUNDLE_TARGET, PROJECT_ROOT } from '../constructs/bundling/lambda-bundle';

const RUNS = Number(process.env.BUNDLE_INIT_RUNS ?? 9);
const TRACING = resolve(PROJECT_ROOT, 'lambdas/shared/tracing.ts');
const NO_OP = `export function installTracing() { return undefined; }
export function traced(_headers, fn) { return fn(); }`;

export interface TracingCostFigure {
  readonly name: string;
  readonly withSdkBytes: number;
  readonly withoutSdkBytes: number;
  readonly withSdkInitMs: number;
  readonly withoutSdkInitMs: number;
  /** Median of the paired differences (with − without), run by run. */
  readonly addedInitMs: number;
}

/** esbuild plugin: every import of lambdas/shared/tracing.ts gets the no-op instead. */
const withoutSdk: Plugin = {
  name: 'tracing-no-op',
  setup(build) {
    build.onLoad({ filter: /lambdas[\\/]shared[\\/]tracing\.ts$/ }, (args) => (resolve(args.path) === TRACING ? { contents: NO_OP, loader: 'js' } : undefined));
  },
};

async function bundle(entry: string, plugins: Plugin[]): Promise<Buffer> {
  const out = await build({
    entryPoints: [entry], absWorkingDir: PROJECT_ROOT, bundle: true, platform: 'node', target: BUNDLE_TARGET, format: 'cjs',
    minify: true, treeShaking: true, legalComments: 'none', mainFields: ['module', 'main'], external: ['@aws-sdk/*'],
    define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'silent', write: false, plugins,
  });
  return Buffer.from(out.outputFiles[0]!.contents);
}

function coldRequireMs(file: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const child = spawnSync(process.execPath, ['-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, NODE_ENV: 'production', AWS_REGION: 'eu-central-1' } });
  if (child.status !== 0) throw new Error(`requiring ${file} failed: ${child.stderr.slice(0, 500)}`);
  return Number(child.stdout);
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
};

/** Cold requires of both bundles in alternation (a busy machine slows both alike), medians and the median paired difference. */
function pairedInit(withSdk: string, without: string): { withMs: number; withoutMs: number; addedMs: number } {
  const a: number[] = [];
  const b: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate which goes first, so neither always gets the warmer file cache.
    const first = i % 2 === 0;
    const y0 = first ? NaN : coldRequireMs(without);
    const x = coldRequireMs(withSdk);
    const y = first ? coldRequireMs(without) : y0;
    a.push(x);
    b.push(y);
    diff.push(x - y);
  }
  return { withMs: median(a), withoutMs: median(b), addedMs: median(diff) };
}

export async function run(): Promise<{ functions: TracingCostFigure[]; runs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tracing-cost-'));
  try {
    const functions: TracingCostFigure[] = [];
    for (const name of ['cache', 'admin']) {
      const entry = `lambdas/${name}/handler.ts`;
      const withSdk = await bundle(entry, []);
      const without = await bundle(entry, [withoutSdk]);
      writeFileSync(join(dir, `${name}.with.js`), withSdk);
      writeFileSync(join(dir, `${name}.without.js`), without);
      const init = pairedInit(join(dir, `${name}.with.js`), join(dir, `${name}.without.js`));
      functions.push({
        name,
        withSdkBytes: withSdk.byteLength,
        withoutSdkBytes: without.byteLength,
        withSdkInitMs: init.withMs,
        withoutSdkInitMs: init.withoutMs,
        addedInitMs: init.addedMs,
      });
    }
    return { functions, runs: RUNS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function print(r: Awaited<ReturnType<typeof run>>): void {
  for (const f of r.functions) {
    console.log(`${f.name}: ${(f.withSdkBytes / 1024).toFixed(1)} KB with the SDK vs ${(f.withoutSdkBytes / 1024).toFixed(1)} KB without `
      + `(+${((f.withSdkBytes - f.withoutSdkBytes) / 1024).toFixed(1)} KB); cold require ${f.withSdkInitMs} ms vs ${f.withoutSdkInitMs} ms, `
      + `+${f.addedInitMs} ms paired (medians of ${r.runs} alternating runs)`);
  }
}

if (require.main === module) void run().then(print);
