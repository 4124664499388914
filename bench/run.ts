/**
 * `npm run bench`: runs every `bench/*.bench.ts` module (each exports `run()` returning its figures;
 * `cost.bench.ts` among them: Upstash commands and dollars per request kind)
 * one after another in this process, then the test files that prove the reliability targets (or,
 * with `--with-tests`, the whole `npx jest`, timed), and writes `bench/results/latest.md` and
 * `latest.json`: every performance and reliability target (report-targets.ts) with its figure, met or missed, and the machine.
 *
 * Flags: `--with-tests` (whole suite, timed), `--no-tests` (no jest at all),
 * `--only=engine,faults` (those modules; results go to `partial.*` so a partial run never replaces
 * the full report), `--rerender` (measure nothing: rebuild the report from `latest.json`'s figures
 * after a change to the report code). `SOAK=1` makes modules that support it run long.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { machineInfo } from './report-machine';
import { renderMarkdown, targetsTable, type BenchReport } from './report-markdown';
import { RELIABILITY_TEST_FILES, targetRows, type ModuleOutcome, type SuiteFile, type SuiteOutcome } from './report-targets';

const BENCH_DIR = __dirname;
const ROOT = resolve(BENCH_DIR, '..');

interface Flags {
  readonly rerender: boolean;
  readonly withTests: boolean;
  readonly noTests: boolean;
  readonly only?: readonly string[];
}

function parseFlags(argv: readonly string[]): Flags {
  let rerender = false;
  let withTests = false;
  let noTests = false;
  let only: string[] | undefined;
  for (const arg of argv) {
    if (arg === '--rerender') rerender = true;
    else if (arg === '--with-tests') withTests = true;
    else if (arg === '--no-tests') noTests = true;
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').map((s) => s.trim()).filter(Boolean);
    else throw new Error(`unknown flag ${JSON.stringify(arg)}; use --with-tests, --no-tests, --only=<module,...> or --rerender`);
  }
  if (withTests && noTests) throw new Error('--with-tests and --no-tests contradict each other');
  if (rerender && (withTests || noTests || only)) throw new Error('--rerender measures nothing: it takes no other flag');
  return { rerender, withTests, noTests, only };
}

/** Maps, sets, bigints and the like as JSON can carry them. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (_key, v: unknown) => {
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    if (typeof v === 'function') return undefined;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return v;
  }));
}

export function benchModules(only?: readonly string[]): string[] {
  const names = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).map((f) => basename(f, '.bench.ts')).sort();
  if (!only) return names;
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length > 0) throw new Error(`no bench module ${unknown.join(', ')}; available: ${names.join(', ')}`);
  return names.filter((n) => only.includes(n));
}

async function runModule(name: string): Promise<ModuleOutcome> {
  const started = performance.now();
  console.log(`\n=== bench/${name}.bench.ts`);
  try {
    type BenchModule = { run?: () => unknown; print?: (figures: unknown) => void };
    const loaded = (await import(join(BENCH_DIR, `${name}.bench.ts`))) as BenchModule & { default?: BenchModule };
    const mod = typeof loaded.run === 'function' ? loaded : loaded.default ?? {};
    if (typeof mod.run !== 'function') throw new Error('exports no run()');
    const result = await mod.run();
    // Modules that print from a separate function (rather than inside run()) get it called.
    if (typeof mod.print === 'function') mod.print(result);
    const figures = jsonSafe(result);
    return { name, ok: true, durationMs: Math.round(performance.now() - started), figures };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`bench/${name}.bench.ts failed: ${message}`);
    return { name, ok: false, durationMs: Math.round(performance.now() - started), error: message.slice(0, 500) };
  }
}

interface JestJson {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
}

/** Runs jest (all files, or only `files`) with its JSON report, timed from outside. */
async function runJest(files: readonly string[] | undefined): Promise<SuiteOutcome> {
  const scope = files ? 'reliability' : 'all';
  const dir = join(tmpdir(), `bench-jest-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const output = join(dir, 'jest.json');
  const args = ['jest', '--json', `--outputFile=${output}`, ...(files ? ['--maxWorkers=1', ...files] : [])];
  console.log(`\n=== npx ${args.join(' ')}`);
  const started = performance.now();
  try {
    const code = await new Promise<number | null>((resolveExit, reject) => {
      const child = spawn('npx', args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', reject);
      child.once('exit', (c) => resolveExit(c));
    });
    const durationMs = Math.round(performance.now() - started);
    let report: JestJson;
    try {
      report = JSON.parse(readFileSync(output, 'utf8')) as JestJson;
    } catch {
      return { scope, ok: false, durationMs, passed: 0, failed: 0, files: [], error: `jest exited with ${code} and wrote no report` };
    }
    const suiteFiles: SuiteFile[] = report.testResults.map((t) => {
      const passed = t.assertionResults.filter((a) => a.status === 'passed').length;
      const failed = t.assertionResults.filter((a) => a.status === 'failed').length;
      return { file: relative(ROOT, t.name), passed, failed, ok: t.status === 'passed' };
    });
    return { scope, ok: report.success && code === 0, durationMs, passed: report.numPassedTests, failed: report.numFailedTests, files: suiteFiles };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeReport(report: BenchReport, stem: string): void {
  const outDir = join(BENCH_DIR, 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, `${stem}.md`), renderMarkdown(report));
  console.log(`\n${targetsTable(report.targets)}\n`);
  console.log(`wrote bench/results/${stem}.md and ${stem}.json (${(report.durationMs / 1000).toFixed(0)} s)`);
}

/** Rebuilds the report from the figures already in `latest.json`. */
function rerender(): void {
  const previous = JSON.parse(readFileSync(join(BENCH_DIR, 'results', 'latest.json'), 'utf8')) as BenchReport;
  writeReport({ ...previous, targets: targetRows(previous.modules, previous.suite) }, 'latest');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.rerender) return rerender();
  const startedAt = new Date();
  const machine = machineInfo(startedAt);
  const started = performance.now();

  const modules: ModuleOutcome[] = [];
  for (const name of benchModules(flags.only)) modules.push(await runModule(name));
  const suite = flags.noTests ? undefined : await runJest(flags.withTests ? undefined : RELIABILITY_TEST_FILES);

  const report: BenchReport = {
    machine,
    durationMs: Math.round(performance.now() - started),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    targets: targetRows(modules, suite),
    modules,
    suite,
  };
  writeReport(report, flags.only ? 'partial' : 'latest');
  // A missed target is a finding to report, not a crash; a benchmark that could not run is a failure.
  if (modules.some((m) => !m.ok) || (suite && !suite.ok)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
