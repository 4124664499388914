/**
 * What tracing costs a function: the cache and admin bundles built as deployed (the OpenTelemetry
 * SDK, its context manager, propagators and OTLP/HTTP exporter inside) and built again with
 * lambdas/shared/tracing.ts swapped for a no-op, side by side: minified bytes and cold require
 * (median of fresh `node` processes, as bench/bundle.bench.ts measures init). The collector layer's
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

function medianColdRequireMs(file: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, NODE_ENV: 'production', AWS_REGION: 'eu-central-1' } });
    if (child.status !== 0) throw new Error(`requiring ${file} failed: ${child.stderr.slice(0, 500)}`);
    times.push(Number(child.stdout));
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
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
      functions.push({
        name,
        withSdkBytes: withSdk.byteLength,
        withoutSdkBytes: without.byteLength,
        withSdkInitMs: medianColdRequireMs(join(dir, `${name}.with.js`)),
        withoutSdkInitMs: medianColdRequireMs(join(dir, `${name}.without.js`)),
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
      + `(+${((f.withSdkBytes - f.withoutSdkBytes) / 1024).toFixed(1)} KB); cold require ${f.withSdkInitMs} ms vs ${f.withoutSdkInitMs} ms (median of ${r.runs})`);
  }
}

if (require.main === module) void run().then(print);
