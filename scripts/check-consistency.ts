/**
 * `npm run check:consistency -- [--seed S] [--duration 60s] [--history 10s] [--instances 4]
 * [--faults a,b | --skip-faults a,b] [--cache-shards] [--verbose]`: runs random concurrent histories with faults against the local
 * stack (with `--cache-shards`, the `api` surface in a further cache database), checks each one (test/consistency/checker.ts), prints every violation with a shrunk history,
 * and ends with `consistency: N histories, N operations, N violations`. Exit 0 with no violation,
 * 1 with some, 2 on wrong usage. The functions' own error logs (admin requests refused while Redis
 * is faulty, as expected) are muted unless `--verbose`.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseDurationSeconds } from '../cli/duration';
import { FAULT_KINDS, type FaultKind } from '../test/consistency/faults';
import { muteFunctionLogs, runConsistency } from '../test/consistency/run';

const USAGE = `usage: npm run check:consistency -- [--seed <integer>] [--duration 60s] [--history 10s] [--instances 4]
                                    [--faults <kind,...> | --skip-faults <kind,...>] [--cache-shards] [--verbose]
fault kinds: ${FAULT_KINDS.join(', ')}`;

function faultList(value: string, option: string): FaultKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const kind of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`${option}: unknown fault "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
  }
  return kinds as FaultKind[];
}

type Options = Parameters<typeof runConsistency>[0] & { readonly verbose: boolean };

function options(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' }, duration: { type: 'string' }, history: { type: 'string' }, instances: { type: 'string' },
      faults: { type: 'string' }, 'skip-faults': { type: 'string' }, 'cache-shards': { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const seed = values.seed === undefined ? randomInt(1, 2 ** 31 - 1) : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got "${values.seed}"`);
  const instances = Number(values.instances ?? '4');
  if (!Number.isInteger(instances) || instances < 4 || instances > 32) throw new Error(`--instances must be an integer from 4 to 32, got "${values.instances}"`);
  if (values.faults !== undefined && values['skip-faults'] !== undefined) throw new Error('use --faults or --skip-faults, not both');
  const skipped = values['skip-faults'] === undefined ? [] : faultList(values['skip-faults'], '--skip-faults');
  const faults = values.faults !== undefined ? faultList(values.faults, '--faults') : FAULT_KINDS.filter((k) => !skipped.includes(k));
  return {
    seed,
    durationMs: parseDurationSeconds(values.duration ?? '60s', '--duration') * 1000,
    historyMs: parseDurationSeconds(values.history ?? '10s', '--history') * 1000,
    instances,
    faults,
    cacheShards: values['cache-shards'] === true,
    verbose: values.verbose === true,
  };
}

async function main(): Promise<number> {
  let opts: ReturnType<typeof options>;
  try {
    opts = options(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!opts.verbose) muteFunctionLogs();
  const summary = await runConsistency({ ...opts, log: (line) => process.stdout.write(`${line}\n`) });
  if (summary.violations.length > 0) process.stdout.write(`rerun with: npm run check:consistency -- --seed ${summary.seed}\n`);
  return summary.violations.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`check:consistency failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
