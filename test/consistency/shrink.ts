/**
 * Shrinks a failing history to a small one that still shows the same violation (the same check
 * on the same read). First a cut the checks justify: a read's verdict depends only on the writes and
 * invalidations of its path and the bypasses of its surface. Then delta debugging: drop chunks of
 * operations while the violation remains, halving the chunk size down to single operations.
 * Pure; the result is 1-minimal.
 */
import { checkHistory, type Violation } from './checker';
import { surfaceOf, type History, type Operation } from './history';

function relevantTo(read: Operation | undefined, o: Operation): boolean {
  if (!read || read.kind !== 'read') return true;
  switch (o.kind) {
    case 'read': return o.id === read.id;
    case 'write': return o.path === read.path;
    case 'invalidate': return o.covers.includes(read.path);
    case 'bypass': return o.surface === surfaceOf(read.path);
    case 'fault': return o.instance !== undefined && o.instance === read.instance;
  }
}

export function shrinkHistory(history: History, violation: Violation): History {
  const stillFails = (operations: readonly Operation[]): boolean =>
    operations.some((o) => o.id === violation.read)
    && checkHistory({ ...history, operations }).some((v) => v.check === violation.check && v.read === violation.read);
  const read = history.operations.find((o) => o.id === violation.read);
  let ops = history.operations.filter((o) => relevantTo(read, o));
  if (!stillFails(ops)) return history;
  for (let chunk = Math.max(1, Math.floor(ops.length / 2)); ; chunk = Math.floor(chunk / 2)) {
    for (let i = 0; i < ops.length;) {
      const candidate = [...ops.slice(0, i), ...ops.slice(i + chunk)];
      if (candidate.length < ops.length && stillFails(candidate)) ops = candidate;
      else i += chunk;
    }
    if (chunk <= 1) break;
  }
  return { ...history, operations: ops };
}
