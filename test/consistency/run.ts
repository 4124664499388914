/**
 * Runs consistency histories one after another until a time budget is spent, checks each one,
 * shrinks what fails and reports. Used by `npm run check:consistency` and by the CI test.
 */
import { performance } from 'node:perf_hooks';
import { functionLogger } from '../../lambdas/shared/logger';
import { checkHistory, type CheckName, type Violation } from './checker';
import { FAULT_KINDS, type FaultKind } from './faults';
import { formatHistory, type History, type Operation } from './history';
import { shrinkHistory } from './shrink';
import { runHistory } from './workload';

export interface ConsistencyOptions {
  readonly seed: number;
  /** Total budget; the last history may end up to one `historyMs` later. */
  readonly durationMs: number;
  /** Length of one history. @default 10000 */
  readonly historyMs?: number;
  readonly faults?: readonly FaultKind[];
  readonly instances?: number;
  /** Run against two cache databases (the `api` surface in a further one, `upstash.cacheShards`). @default false */
  readonly cacheShards?: boolean;
  /** Progress and reports. @default - nothing */
  readonly log?: (line: string) => void;
}

export interface FoundViolation {
  readonly seed: number;
  readonly violation: Violation;
  /** The smallest history that still shows it, printed. */
  readonly shrunk: string;
}

export interface ConsistencySummary {
  readonly seed: number;
  readonly histories: number;
  readonly operations: number;
  readonly violations: readonly FoundViolation[];
  readonly byCheck: Readonly<Record<CheckName, number>>;
  readonly elapsedMs: number;
  /** The closing line: `consistency: N histories, N operations, N violations`. */
  readonly line: string;
}

/** Silences the functions' logs (they log each request refused while Redis is faulty); returns the undo. */
export function muteFunctionLogs(): () => void {
  const loggers = ['cache', 'admin'].map((fn) => functionLogger(fn));
  const levels = loggers.map((l) => l.getLevelName());
  for (const l of loggers) l.setLogLevel('SILENT');
  return () => loggers.forEach((l, i) => l.setLogLevel(levels[i] as Parameters<typeof l.setLogLevel>[0]));
}

/** Faults that overlap the span of the operations of a shrunk history: what was going on. */
function faultsDuring(history: History, ops: readonly Operation[]): Operation[] {
  const from = Math.min(...ops.map((o) => o.start));
  const to = Math.max(...ops.map((o) => o.end));
  return history.operations.filter((o) => o.kind === 'fault' && o.end >= from && o.start <= to);
}

export async function runConsistency(opts: ConsistencyOptions): Promise<ConsistencySummary> {
  const log = opts.log ?? (() => undefined);
  const historyMs = opts.historyMs ?? 10_000;
  const started = performance.now();
  const found: FoundViolation[] = [];
  const byCheck: Record<CheckName, number> = { 'stale-after-invalidation': 0, 'foreign-body': 0, 'cached-during-bypass': 0, 'read-5xx': 0 };
  let histories = 0;
  let operations = 0;
  log(`consistency: seed ${opts.seed}, budget ${Math.round(opts.durationMs / 1000)} s, histories of ${Math.round(historyMs / 1000)} s, faults: ${(opts.faults ?? FAULT_KINDS).join(', ') || 'none'}${opts.cacheShards ? ', two cache databases' : ''}`);
  while (histories === 0 || performance.now() - started < opts.durationMs - historyMs / 2) {
    const seed = opts.seed + histories;
    const history = await runHistory({ seed, durationMs: historyMs, faults: opts.faults, instances: opts.instances, cacheShards: opts.cacheShards });
    const violations = checkHistory(history);
    histories += 1;
    operations += history.operations.length;
    const faults = history.operations.filter((o) => o.kind === 'fault').length;
    log(`history ${histories} (seed ${seed}): ${history.operations.length} operations, ${faults} faults, ${violations.length} violations`);
    const shownPerCheck = new Map<CheckName, number>();
    for (const violation of violations) {
      byCheck[violation.check] += 1;
      const shown = shownPerCheck.get(violation.check) ?? 0;
      shownPerCheck.set(violation.check, shown + 1);
      if (shown >= 3) continue;
      const small = shrinkHistory(history, violation);
      const context = faultsDuring(history, small.operations);
      const shrunk = formatHistory([...small.operations, ...context].sort((a, b) => a.start - b.start));
      found.push({ seed, violation, shrunk });
      log(`  VIOLATION ${violation.check}: ${violation.message}\n  shrunk to ${small.operations.length} operations (faults at the time shown too):\n${shrunk.replace(/^/gm, '    ')}`);
    }
  }
  const total = Object.values(byCheck).reduce((a, b) => a + b, 0);
  const line = `consistency: ${histories} histories, ${operations.toLocaleString('en-US')} operations, ${total.toLocaleString('en-US')} violations`;
  log(`${(performance.now() - started) / 1000 | 0} s for ${histories} histories of ${Math.round(historyMs / 1000)} s; by check: ${Object.entries(byCheck).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  log(line);
  return { seed: opts.seed, histories, operations, violations: found, byCheck, elapsedMs: performance.now() - started, line };
}
