/**
 * Lambda bundles (targets: ≤ 150 KB minified per function, init ≤ 50 ms locally).
 * Each function is bundled with the stacks' own bundler (`constructs/bundling/lambda-bundle.ts`:
 * esbuild, minified, Node 22, `@aws-sdk/*` external), then its cold init is timed: a fresh `node`
 * process requires the bundle (module evaluation, what Lambda's init phase runs before the first
 * event) several times, and the median is kept. `@aws-sdk/*` resolves from the project's
 * node_modules, as the Lambda runtime provides it, so its load time is included where a function
 * imports it. Run: `npx tsx bench/bundle.bench.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { FUNCTION_NAMES, type FunctionName } from '../config/types';
import { BUNDLE_TARGET, bundleLambda, PROJECT_ROOT } from '../constructs/bundling/lambda-bundle';

export const BUNDLE_TARGET_BYTES = 150 * 1024;
export const INIT_TARGET_MS = 50;
const INIT_RUNS = Number(process.env.BUNDLE_INIT_RUNS ?? 7);

export interface BundleFigure {
  readonly name: FunctionName;
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  readonly zipBytes: number;
  /** Median of `INIT_RUNS` cold requires, each in a fresh process. */
  readonly initMedianMs: number;
  readonly initMinMs: number;
  readonly initMaxMs: number;
  readonly withinSize: boolean;
  readonly withinInit: boolean;
  /** External packages the bundle requires (`@aws-sdk/*`, provided by the Lambda runtime). */
  readonly externals: readonly string[];
  /** Median cold require of those externals alone: the part of init the bundle's own code does not control. */
  readonly externalsInitMedianMs: number;
  /** Largest contributors to the minified bundle (package or project folder → bytes), to say why. */
  readonly largestInputs: readonly { readonly input: string; readonly bytes: number }[];
}

export interface BundleBenchResult {
  readonly functions: readonly BundleFigure[];
  readonly initRuns: number;
  readonly targets: { readonly bundleBytes: number; readonly initMs: number };
  readonly allWithinSize: boolean;
  readonly allWithinInit: boolean;
}

/** Time to require `modules` in a fresh Node process, measured inside it (process start excluded). */
function coldRequireMs(modules: readonly string[]): number {
  const requires = modules.map((m) => `require(${JSON.stringify(m)});`).join('');
  const script = `const t=process.hrtime.bigint();${requires}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const child = spawnSync(process.execPath, ['-e', script], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    // What a deployed function sees: no credentials, so module-level code cannot reach out.
    env: { PATH: process.env.PATH, NODE_ENV: 'production', AWS_REGION: 'eu-central-1' },
  });
  if (child.status !== 0) throw new Error(`requiring ${modules.join(', ')} failed: ${child.stderr.slice(0, 500)}`);
  return Number(child.stdout);
}

/**
 * Bytes each package or project folder contributes, from an esbuild metafile of the same entry with
 * the bundler's size-relevant settings (the bundler does not expose its metafile).
 */
function largestInputs(name: FunctionName): { input: string; bytes: number }[] {
  const result = buildSync({
    entryPoints: [`lambdas/${name}/handler.ts`], absWorkingDir: PROJECT_ROOT, bundle: true, platform: 'node', target: BUNDLE_TARGET,
    format: 'cjs', minify: true, treeShaking: true, legalComments: 'none', mainFields: ['module', 'main'], external: ['@aws-sdk/*'],
    define: { 'process.env.NODE_ENV': '"production"' }, write: false, metafile: true, logLevel: 'silent',
  });
  const bytes = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [file, info] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
      const input = pkg ? pkg[1] as string : file.split('/').slice(0, 2).join('/');
      bytes.set(input, (bytes.get(input) ?? 0) + info.bytesInOutput);
    }
  }
  return [...bytes].map(([input, n]) => ({ input, bytes: n })).sort((a, b) => b.bytes - a.bytes).slice(0, 5);
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (ms: number): number => Math.round(ms * 10) / 10;

export async function run(): Promise<BundleBenchResult> {
  // Inside the project, so `@aws-sdk/*` resolves from node_modules like the runtime's copy.
  const dir = join(PROJECT_ROOT, 'node_modules', '.cache', 'bundle-bench');
  mkdirSync(dir, { recursive: true });
  try {
    const functions: BundleFigure[] = [];
    for (const name of FUNCTION_NAMES) {
      const bundle = bundleLambda(`lambdas/${name}/handler.ts`, { cache: false });
      const file = join(dir, `${name}.js`);
      writeFileSync(file, bundle.code);
      const inits = Array.from({ length: INIT_RUNS }, () => coldRequireMs([file]));
      const initMedianMs = round(median(inits));
      const externals = [...new Set([...bundle.code.toString('utf8').matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1] as string))].sort();
      const externalsInitMedianMs = externals.length === 0 ? 0
        : round(median(Array.from({ length: INIT_RUNS }, () => coldRequireMs(externals))));
      functions.push({
        name,
        minifiedBytes: bundle.code.byteLength,
        gzipBytes: gzipSync(bundle.code).byteLength,
        zipBytes: bundle.zip.byteLength,
        initMedianMs,
        initMinMs: round(Math.min(...inits)),
        initMaxMs: round(Math.max(...inits)),
        withinSize: bundle.code.byteLength <= BUNDLE_TARGET_BYTES,
        withinInit: initMedianMs <= INIT_TARGET_MS,
        externals,
        externalsInitMedianMs,
        largestInputs: largestInputs(name),
      });
    }
    const result: BundleBenchResult = {
      functions,
      initRuns: INIT_RUNS,
      targets: { bundleBytes: BUNDLE_TARGET_BYTES, initMs: INIT_TARGET_MS },
      allWithinSize: functions.every((f) => f.withinSize),
      allWithinInit: functions.every((f) => f.withinInit),
    };
    console.log(`bundles (target ≤ ${BUNDLE_TARGET_BYTES / 1024} KB minified, init ≤ ${INIT_TARGET_MS} ms, median of ${INIT_RUNS} cold requires):`);
    for (const f of functions) {
      console.log(`  ${f.name.padEnd(9)} ${(f.minifiedBytes / 1024).toFixed(1).padStart(7)} KB (${(f.minifiedBytes / BUNDLE_TARGET_BYTES).toFixed(2)}x)`
        + `  gzip ${(f.gzipBytes / 1024).toFixed(1).padStart(6)} KB   init ${String(f.initMedianMs).padStart(6)} ms (${f.initMinMs}–${f.initMaxMs})`);
      if (f.externals.length > 0) console.log(`            of which ${f.externals.join(', ')} (runtime-provided) alone: ${f.externalsInitMedianMs} ms`);
      console.log(`            largest: ${f.largestInputs.map((i) => `${i.input} ${(i.bytes / 1024).toFixed(1)} KB`).join(', ')}`);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().then((r) => { process.exitCode = r.allWithinSize && r.allWithinInit ? 0 : 1; }, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
