/**
 * Full synth of every stack of the three environments. Target (a target of report-targets.ts): ≤ 10 s.
 * Measures `npm run synth` as CI runs it (a fresh process: module loading, esbuild bundling of
 * the five functions, synth of 12 stacks, writing cdktf.out) and, for comparison, a second synth
 * inside an already warm process. Also prints each function's bundle size against the 150 KB
 * target. Run: `tsx bench/synth.bench.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FUNCTION_NAMES } from '../config';
import { bundleLambda } from '../constructs/bundling/lambda-bundle';
import { buildApp } from '../main';

const TARGET_MS = 10_000;
const BUNDLE_TARGET_BYTES = 150 * 1024;
const ROOT = resolve(__dirname, '..');

export interface SynthBenchResult {
  readonly coldProcessMs: number;
  readonly warmInProcessMs: number;
  readonly stacks: number;
  readonly bundleBytes: Readonly<Record<string, number>>;
  readonly withinTarget: boolean;
}

function coldSynth(outdir: string): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: 'utf8',
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`synth failed (exit ${child.status}): ${child.stderr}`);
  return elapsed;
}

function warmSynth(outdir: string): number {
  buildApp({ outdir: `${outdir}-first` }).app.synth(); // load modules and fill the bundle cache
  const started = process.hrtime.bigint();
  buildApp({ outdir }).app.synth();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function run(): Promise<SynthBenchResult> {
  const base = mkdtempSync(join(tmpdir(), 'synth-bench-'));
  try {
    const coldProcessMs = coldSynth(join(base, 'cold'));
    const stacks = readdirSync(join(base, 'cold', 'stacks')).length;
    const warmInProcessMs = warmSynth(join(base, 'warm'));
    const bundleBytes = Object.fromEntries(FUNCTION_NAMES.map((n) => [n, bundleLambda(`lambdas/${n}/handler.ts`).code.length]));
    const result: SynthBenchResult = { coldProcessMs, warmInProcessMs, stacks, bundleBytes, withinTarget: coldProcessMs <= TARGET_MS };

    console.log(`synth: ${stacks} stacks of three environments (target ≤ ${TARGET_MS / 1000} s)`);
    console.log(`  fresh process (npm run synth): ${(coldProcessMs / 1000).toFixed(2)} s  (${(coldProcessMs / TARGET_MS).toFixed(2)}x of target)`);
    console.log(`  warm, in process:              ${(warmInProcessMs / 1000).toFixed(2)} s`);
    console.log(`  bundles (target ≤ ${BUNDLE_TARGET_BYTES / 1024} KB minified):`);
    for (const [name, bytes] of Object.entries(bundleBytes)) {
      console.log(`    ${name.padEnd(9)} ${(bytes / 1024).toFixed(1).padStart(7)} KB  (${(bytes / BUNDLE_TARGET_BYTES).toFixed(2)}x)`);
    }
    console.log(`  ${result.withinTarget ? 'OK: within target' : 'MISSED: over target'}`);
    return result;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().then((r) => { process.exitCode = r.withinTarget ? 0 : 1; }, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
