/**
 * CI's fixed budget of the consistency checker (`npm run check:consistency` runs it longer): random
 * concurrent histories over four cache functions and the admin function on the local stack, with
 * every fault kind, checked for stale reads after acknowledged invalidations, foreign bodies, cached
 * answers during an acknowledged bypass and read 5xx. A failure prints each violation, shrunk.
 */
import { muteFunctionLogs, runConsistency } from './run';

const SEED = Number(process.env.CONSISTENCY_SEED ?? '20261207');

test(`no violation in about a minute of histories with faults (seed ${SEED})`, async () => {
  const unmute = muteFunctionLogs();
  const lines: string[] = [];
  let summary: Awaited<ReturnType<typeof runConsistency>>;
  try {
    summary = await runConsistency({ seed: SEED, durationMs: 55_000, historyMs: 8_000, log: (l) => lines.push(l) });
  } finally {
    unmute();
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  expect(summary.histories).toBeGreaterThanOrEqual(3);
  // A sanity floor only: on a loaded 2-core machine a run records ~1,400 operations, idle ~10,000.
  expect(summary.operations).toBeGreaterThan(300);
  expect(summary.violations.map((v) => `${v.violation.message}\n${v.shrunk}`)).toEqual([]);
}, 240_000);
