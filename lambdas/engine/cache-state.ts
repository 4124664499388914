/**
 * The one reader of what decides a read: the stored entry, the surface and resource generations and
 * the bypass flag, in one `MGET` of the cache database (the hit path's single round trip). The
 * refresh path and `/debug/cache` read the same way.
 */
import type { Redis } from '@upstash/redis';
import type { Generations } from './envelope';
import { GENERATION_ABSENT } from './invalidation';

export interface StateKeys {
  readonly surfaceGenKey: string;
  readonly resourceGenKey: string;
  readonly bypassKey: string;
}

export interface CacheState {
  /** The stored entry as Redis returned it; null when absent or not asked for. */
  readonly raw: string | null;
  readonly generations: Generations;
  readonly bypass: boolean;
}

export async function readCacheState(redis: Redis, keys: StateKeys, entryKey?: string): Promise<CacheState> {
  const stateKeys = [keys.surfaceGenKey, keys.resourceGenKey, keys.bypassKey];
  const values = await redis.mget<(string | null)[]>(...(entryKey === undefined ? stateKeys : [entryKey, ...stateKeys]));
  const [raw, s, r, bypass] = entryKey === undefined ? [null, ...values] : values;
  return {
    raw: raw ?? null,
    generations: { surface: s ?? GENERATION_ABSENT, resource: r ?? GENERATION_ABSENT },
    bypass: bypass != null,
  };
}
