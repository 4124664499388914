import type { Redis } from '@upstash/redis';
import { KeyError, escapeGlob, refreshLockKey } from '../engine/keys';

/** Bounds of one purge request; the caller resumes from `cursor` while `more` is true. */
export interface PrefixPurgeOptions {
  /** Literal key prefix; glob characters in it are escaped before it reaches `SCAN MATCH`. */
  readonly prefix: string;
  /** SCAN cursor to resume from; `'0'` starts a new scan. */
  readonly cursor: string;
  /** Stop once this many matching keys were found and unlinked. */
  readonly limit: number;
  /** `COUNT` hint of each `SCAN`. */
  readonly scanCount: number;
  /** Stop after this many `SCAN` calls, so a sparse prefix in a large database cannot run forever. */
  readonly maxScans: number;
  /** Stop once this much time has passed (checked between batches). */
  readonly budgetMs: number;
  readonly now?: () => number;
}

export interface PrefixPurgeResult {
  /** Keys `UNLINK` removed (keys that expired between SCAN and UNLINK are not counted). */
  readonly deleted: number;
  /** Matching keys SCAN returned. */
  readonly matched: number;
  readonly scans: number;
  /** True when the scan is not finished: call again with `cursor`. */
  readonly more: boolean;
  /** Cursor to resume from; `'0'` when finished. */
  readonly cursor: string;
}

function lockOf(key: string): string[] {
  try {
    return [refreshLockKey(key)];
  } catch (e) {
    if (e instanceof KeyError) return [];
    throw e;
  }
}

/** The SCAN pattern matching every key that starts with `prefix`, and nothing else. */
function prefixPattern(prefix: string): string {
  return `${escapeGlob(prefix)}*`;
}

/**
 * Deletes keys starting with `prefix` with `SCAN MATCH` + `UNLINK` in batches, never `KEYS`.
 * A Redis failure is thrown: the caller reports it instead of a partial success.
 */
export async function purgePrefix(redis: Pick<Redis, 'scan' | 'unlink'>, options: PrefixPurgeOptions): Promise<PrefixPurgeResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const match = prefixPattern(options.prefix);
  let cursor = options.cursor;
  let deleted = 0;
  let matched = 0;
  let scans = 0;
  do {
    const [next, keys] = await redis.scan(cursor, { match, count: options.scanCount });
    scans += 1;
    cursor = String(next);
    if (keys.length > 0) {
      matched += keys.length;
      // Refresh locks first: a refresh in flight stores only while it holds its lock, so it cannot
      // write a body fetched before this purge after it (docs/invariants.md).
      const locks = keys.flatMap(lockOf);
      if (locks.length > 0) await redis.unlink(...locks);
      deleted += await redis.unlink(...keys);
    }
  } while (cursor !== '0' && matched < options.limit && scans < options.maxScans && now() - started < options.budgetMs);
  return { deleted, matched, scans, more: cursor !== '0', cursor };
}
