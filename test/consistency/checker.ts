/**
 * The consistency checks: pure functions over a recorded history (no I/O, no clock), in the spirit
 * of Jepsen's checkers. Each returns the violations it finds, naming the operations involved.
 *
 * - `stale-after-invalidation`: a read that starts after an invalidation of its path was
 *   acknowledged (plus the propagation bound) returns a version older than the one the origin served
 *   when the invalidation started.
 * - `foreign-body`: a read returns a body the origin never produced for that path (corrupt,
 *   another path's, or a version not yet written when the read ended).
 * - `cached-during-bypass`: a read that starts after a bypass of its surface was acknowledged (plus
 *   the bound) and ends before the bypass is switched off or expires is not answered `BYPASS`.
 * - `read-5xx`: a read answers 5xx or fails, while the origin is healthy (it always is here, but
 *   to an instance whose origin answers a freeze holds).
 */
import { bodyVersion, surfaceOf, type BypassOp, type FaultOp, type History, type InvalidateOp, type Operation, type ReadOp, type WriteOp } from './history';

export type CheckName = 'stale-after-invalidation' | 'foreign-body' | 'cached-during-bypass' | 'read-5xx';
export const CHECK_NAMES: readonly CheckName[] = ['stale-after-invalidation', 'foreign-body', 'cached-during-bypass', 'read-5xx'];

export interface Violation {
  readonly check: CheckName;
  /** The read that broke the property. */
  readonly read: number;
  /** The other operations that make it a violation (the invalidation, the bypass). */
  readonly because: readonly number[];
  readonly message: string;
}

const reads = (ops: readonly Operation[]): ReadOp[] => ops.filter((o): o is ReadOp => o.kind === 'read');
const answered = (r: ReadOp): r is ReadOp & { body: string } => r.status === 200 && r.body !== undefined;

/** Versions the origin serves for each path, in order: version 1 from time 0, then the writes. */
function writesByPath(ops: readonly Operation[]): Map<string, WriteOp[]> {
  const out = new Map<string, WriteOp[]>();
  for (const o of ops) {
    if (o.kind !== 'write') continue;
    const list = out.get(o.path) ?? [];
    list.push(o);
    out.set(o.path, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.end - b.end);
  return out;
}

/** The newest version of `path` whose write ended before `t` (1 when none did). */
function versionAt(writes: readonly WriteOp[] | undefined, t: number): number {
  let v = 1;
  for (const w of writes ?? []) if (w.end < t && w.version > v) v = w.version;
  return v;
}

export function checkBodies(history: History): Violation[] {
  const writes = writesByPath(history.operations);
  const out: Violation[] = [];
  for (const r of reads(history.operations)) {
    if (!answered(r)) continue;
    const version = bodyVersion(r.path, r.body);
    if (version === undefined) {
      out.push({ check: 'foreign-body', read: r.id, because: [], message: `read #${r.id} of ${r.path} returned a body the origin never produced for it: ${JSON.stringify(r.body.slice(0, 80))}` });
      continue;
    }
    const newest = (writes.get(r.path) ?? []).filter((w) => w.start <= r.end).reduce((m, w) => Math.max(m, w.version), 1);
    if (version > newest) {
      out.push({ check: 'foreign-body', read: r.id, because: [], message: `read #${r.id} of ${r.path} returned v${version}, which the origin had not produced by the time the read ended (newest v${newest})` });
    }
  }
  return out;
}

export function checkNo5xx(history: History): Violation[] {
  // A freeze holds the origin's answers to one instance (a real frozen instance's clock stops too,
  // the emulation's does not): to that instance the origin is not healthy meanwhile.
  const held = history.operations.filter((o): o is FaultOp => o.kind === 'fault' && o.instance !== undefined);
  const originHealthyFor = (r: ReadOp): boolean => !held.some((f) => f.instance === r.instance && f.start < r.end && r.start < f.end);
  return reads(history.operations)
    .filter((r) => (r.status === 0 || r.status >= 500) && originHealthyFor(r))
    .map((r) => ({ check: 'read-5xx' as const, read: r.id, because: [], message: `read #${r.id} of ${r.path} answered ${r.status || `nothing (${r.error ?? 'threw'})`} while the origin was healthy` }));
}

export function checkInvalidations(history: History): Violation[] {
  const writes = writesByPath(history.operations);
  const bound = history.propagationBoundMs;
  // Per path: acknowledged invalidations as (visible from, version they require), by visibility.
  const required = new Map<string, { from: number; version: number; op: InvalidateOp }[]>();
  for (const o of history.operations) {
    if (o.kind !== 'invalidate' || !o.acked) continue;
    for (const path of o.covers) {
      const list = required.get(path) ?? [];
      list.push({ from: o.end + bound, version: versionAt(writes.get(path), o.start), op: o });
      required.set(path, list);
    }
  }
  for (const list of required.values()) list.sort((a, b) => a.from - b.from);
  const out: Violation[] = [];
  for (const r of reads(history.operations)) {
    if (!answered(r)) continue;
    const version = bodyVersion(r.path, r.body);
    if (version === undefined) continue; // checkBodies reports it
    let strongest: { from: number; version: number; op: InvalidateOp } | undefined;
    for (const req of required.get(r.path) ?? []) {
      if (req.from >= r.start) break;
      if (!strongest || req.version > strongest.version) strongest = req;
    }
    if (strongest && version < strongest.version) {
      out.push({
        check: 'stale-after-invalidation', read: r.id, because: [strongest.op.id],
        message: `read #${r.id} of ${r.path} on instance ${r.instance} (${r.xcache}) returned v${version}, but invalidation #${strongest.op.id} (${strongest.op.how}) was acknowledged `
          + `${(r.start - strongest.op.end).toFixed(0)} ms before the read started, when the origin served v${strongest.version}`,
      });
    }
  }
  return out;
}

export function checkBypass(history: History): Violation[] {
  const bound = history.propagationBoundMs;
  const bypasses = history.operations.filter((o): o is BypassOp => o.kind === 'bypass').sort((a, b) => a.start - b.start);
  const windows: { surface: string; from: number; until: number; op: BypassOp }[] = [];
  for (const on of bypasses) {
    if (!on.enabled || !on.acked) continue;
    const off = bypasses.find((o) => o.surface === on.surface && !o.enabled && o.start > on.start);
    windows.push({ surface: on.surface, from: on.end + bound, until: Math.min(off?.start ?? Infinity, on.start + on.ttlSeconds * 1000), op: on });
  }
  const out: Violation[] = [];
  for (const r of reads(history.operations)) {
    if (!answered(r) || r.xcache === 'BYPASS') continue;
    const w = windows.find((x) => x.surface === surfaceOf(r.path) && r.start > x.from && r.end < x.until);
    if (w) {
      out.push({ check: 'cached-during-bypass', read: r.id, because: [w.op.id], message: `read #${r.id} of ${r.path} on instance ${r.instance} answered ${r.xcache} during bypass #${w.op.id} of ${w.surface}, acknowledged ${(r.start - w.op.end).toFixed(0)} ms before` });
    }
  }
  return out;
}

/** Every check over one history. */
export function checkHistory(history: History): Violation[] {
  return [...checkBodies(history), ...checkNo5xx(history), ...checkInvalidations(history), ...checkBypass(history)];
}
