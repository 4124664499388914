/**
 * The one reader of what decides a read: the stored entry, the surface and resource generations and
 * the bypass flag, in one `MGET` of the cache database (the hit path's single round trip). The
 * refresh path and `/debug/cache` read the same way.
 *
 * Invariant (docs/invariants.md): no acknowledged invalidation and no acknowledged bypass can be
 * undone by the eviction or loss of any subset of keys in the cache database. Enforced here:
 * - generations and bypass flags are authoritative in the never-evicting guardrails database
 *   (`authoritativeKey`); the cache database holds mirrors, read in the hit's one `MGET`;
 * - an absent mirror never matches: it forces an authoritative read (`repair`), never a default;
 * - a reader repopulates a mirror only through a fill mark it set BEFORE its authoritative read,
 *   and only while the mark still holds its nonce. Every change (`invalidation.ts`) writes the
 *   guardrails database first, then deletes mirror and mark in one command, then acknowledges, so
 *   a reader whose authoritative read predates the change finds its mark gone and writes nothing.
 */
import type { Redis } from '@upstash/redis';
import { randomBytes } from 'node:crypto';
import type { Generations } from './envelope';
import { authoritativeKey, fillMarkKey } from './keys';

/** Where generations and flags live: mirrors in `cache`, the truth in `guardrails`. */
export interface InvalidationDatabases {
  readonly cache: Redis;
  readonly guardrails: Redis;
}

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

/** Value of a generation that was never bumped. */
export const GENERATION_ABSENT = '0';
/** Mirror values of the bypass flag. */
export const BYPASS_ON = '1';
export const BYPASS_OFF = '0';
/** Mirrors expire (absence is always safe), so mirrors of idle resources do not pile up. */
export const MIRROR_TTL_MS = 24 * 3_600_000;
const FILL_MARK_TTL_MS = 10_000;

/**
 * KEYS: n mirrors, then their n fill marks; ARGV: nonce, n values, n PX. Sets each mirror whose mark
 * still holds the nonce, and deletes that mark. Returns how many mirrors were set.
 */
const FILL_SCRIPT = `local n = #KEYS / 2
local filled = 0
for i = 1, n do
  if redis.call('get', KEYS[n + i]) == ARGV[1] then
    redis.call('set', KEYS[i], ARGV[1 + i], 'PX', ARGV[1 + n + i])
    redis.call('del', KEYS[n + i])
    filled = filled + 1
  end
end
return filled`;

type Call = <T>(fn: () => Promise<T>) => Promise<T>;
type Truth = ReadonlyMap<string, string>;

export class CacheStateReader {
  /** Repairs that have not yet read the guardrails database: later readers of the same mirrors join. */
  private readonly joinable = new Map<string, Promise<Truth>>();

  /** `call` runs a cache-database call through the engine's breaker. */
  constructor(private readonly dbs: InvalidationDatabases, private readonly call: Call) {}

  async read(keys: StateKeys, entryKey?: string): Promise<CacheState> {
    const mirrors = [keys.surfaceGenKey, keys.resourceGenKey, keys.bypassKey];
    const values = await this.call(() => this.dbs.cache.mget<(string | null)[]>(...(entryKey === undefined ? mirrors : [entryKey, ...mirrors])));
    const raw = entryKey === undefined ? null : values[0] ?? null;
    const found = entryKey === undefined ? values : values.slice(1);
    const [s, r, b] = found;
    // The hit path: every mirror present.
    if (s != null && r != null && b != null) return { raw, generations: { surface: s, resource: r }, bypass: b === BYPASS_ON };
    const truth = await this.repair(mirrors.filter((_, i) => found[i] == null));
    const value = (i: number): string => found[i] ?? (truth.get(mirrors[i] as string) as string);
    return { raw, generations: { surface: value(0), resource: value(1) }, bypass: value(2) === BYPASS_ON };
  }

  /**
   * Reads the authoritative values of `mirrors` and repopulates them. Concurrent readers of the
   * same mirrors share one repair, but only until it reads the guardrails database: a reader whose
   * `MGET` came later (perhaps after an acknowledged change) must not take an older answer.
   */
  private repair(mirrors: readonly string[]): Promise<Truth> {
    const id = mirrors.join(' ');
    const running = this.joinable.get(id);
    if (running) return running;
    const p = this.markReadFill(mirrors, () => this.joinable.delete(id));
    this.joinable.set(id, p);
    p.catch(() => undefined).finally(() => { if (this.joinable.get(id) === p) this.joinable.delete(id); });
    return p;
  }

  private async markReadFill(mirrors: readonly string[], closeJoining: () => void): Promise<Truth> {
    const nonce = randomBytes(12).toString('base64url');
    const marks = mirrors.map(fillMarkKey);
    const mark = this.dbs.cache.pipeline();
    for (const k of marks) mark.set(k, nonce, { px: FILL_MARK_TTL_MS });
    await this.call(() => mark.exec());
    closeJoining();
    const truth = await this.authoritative(mirrors);
    const pxs = mirrors.map((k) => truth.px.get(k) ?? MIRROR_TTL_MS);
    // A failed fill only means the next reader repairs again.
    await this.call(() => this.dbs.cache.eval(FILL_SCRIPT, [...mirrors, ...marks], [nonce, ...mirrors.map((k) => truth.values.get(k) as string), ...pxs.map(String)]))
      .catch(() => undefined);
    return truth.values;
  }

  /** Authoritative values (one guardrails request); a bypass mirror lives as long as the flag. */
  private async authoritative(mirrors: readonly string[]): Promise<{ values: Map<string, string>; px: Map<string, number> }> {
    const p = this.dbs.guardrails.pipeline();
    for (const k of mirrors) {
      p.get(authoritativeKey(k));
      if (isBypassKey(k)) p.pttl(authoritativeKey(k));
    }
    const results = await p.exec<unknown[]>();
    const values = new Map<string, string>();
    const px = new Map<string, number>();
    let i = 0;
    for (const k of mirrors) {
      const v = results[i++];
      if (!isBypassKey(k)) {
        values.set(k, v == null ? GENERATION_ABSENT : String(v));
        continue;
      }
      const pttl = Number(results[i++]);
      const on = v != null && pttl !== -2;
      values.set(k, on ? BYPASS_ON : BYPASS_OFF);
      if (on && pttl > 0) px.set(k, Math.min(pttl, MIRROR_TTL_MS));
    }
    return { values, px };
  }
}

function isBypassKey(mirrorKey: string): boolean {
  return mirrorKey.split(':')[1] === 'flag';
}
