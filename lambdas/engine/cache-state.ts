/**
 * The one reader of what decides a read: the stored entry, the surface and resource generations and
 * the bypass flag, in one `MGET` of three keys of the cache database (the hit path's single round
 * trip): the entry, the surface state mirror (surface generation and bypass flag in one value) and
 * the resource generation mirror. The refresh path and `/debug/cache` read the same way.
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
  /** Mirror of the surface generation and the bypass flag together (`surfaceStateKey`). */
  readonly surfaceStateKey: string;
  /** Name of the surface generation (its authoritative copy: `authoritativeKey`). */
  readonly surfaceGenKey: string;
  /** Name of the bypass flag (its authoritative copy: `authoritativeKey`). */
  readonly bypassKey: string;
  /** Name and mirror of the resource generation. */
  readonly resourceGenKey: string;
}

export interface CacheState {
  /** The stored entry as Redis returned it; null when absent or not asked for. */
  readonly raw: string | null;
  readonly generations: Generations;
  readonly bypass: boolean;
}

/** Value of a generation that was never bumped. */
export const GENERATION_ABSENT = '0';
/** Mirrors expire (absence is always safe), so mirrors of idle resources do not pile up. */
export const MIRROR_TTL_MS = 24 * 3_600_000;
const FILL_MARK_TTL_MS = 10_000;

/** The surface state mirror's value: `<surface generation>|<1 bypassed, 0 not>`. */
export function surfaceStateValue(generation: string, bypass: boolean): string {
  return `${generation}|${bypass ? '1' : '0'}`;
}

/** Undefined for anything `surfaceStateValue` did not write: read as absent, never as a default. */
export function parseSurfaceState(value: string | null | undefined): { readonly generation: string; readonly bypass: boolean } | undefined {
  if (value == null) return undefined;
  const bar = value.length - 2;
  if (bar < 1 || value[bar] !== '|') return undefined;
  const flag = value[bar + 1];
  if (flag !== '0' && flag !== '1') return undefined;
  return { generation: value.slice(0, bar), bypass: flag === '1' };
}

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

/** A mirror to repair and the authoritative values it carries. */
type Mirror =
  | { readonly kind: 'surface'; readonly key: string; readonly genKey: string; readonly bypassKey: string }
  | { readonly kind: 'resource'; readonly key: string };

type Call = <T>(fn: () => Promise<T>) => Promise<T>;
/** Mirror values by mirror key, as the authoritative copies say they should be. */
type Truth = ReadonlyMap<string, string>;

export class CacheStateReader {
  /** Repairs that have not yet read the guardrails database: later readers of the same mirrors join. */
  private readonly joinable = new Map<string, Promise<Truth>>();

  /** `call` runs a cache-database call through the engine's breaker. */
  constructor(private readonly dbs: InvalidationDatabases, private readonly call: Call) {}

  async read(keys: StateKeys, entryKey?: string): Promise<CacheState> {
    const mirrors = [keys.surfaceStateKey, keys.resourceGenKey];
    const values = await this.call(() => this.dbs.cache.mget<(string | null)[]>(...(entryKey === undefined ? mirrors : [entryKey, ...mirrors])));
    const at = entryKey === undefined ? 0 : 1;
    const raw = entryKey === undefined ? null : values[0] ?? null;
    let surface = parseSurfaceState(values[at]);
    let resource = values[at + 1] ?? undefined;
    // The hit path: both mirrors present.
    if (surface !== undefined && resource !== undefined) return { raw, generations: { surface: surface.generation, resource }, bypass: surface.bypass };
    const missing: Mirror[] = [];
    if (surface === undefined) missing.push({ kind: 'surface', key: keys.surfaceStateKey, genKey: keys.surfaceGenKey, bypassKey: keys.bypassKey });
    if (resource === undefined) missing.push({ kind: 'resource', key: keys.resourceGenKey });
    const truth = await this.repair(missing);
    surface ??= parseSurfaceState(truth.get(keys.surfaceStateKey)) as { generation: string; bypass: boolean };
    resource ??= truth.get(keys.resourceGenKey) as string;
    return { raw, generations: { surface: surface.generation, resource }, bypass: surface.bypass };
  }

  /**
   * Reads the authoritative values of `mirrors` and repopulates them. Concurrent readers of the
   * same mirrors share one repair, but only until it reads the guardrails database: a reader whose
   * `MGET` came later (perhaps after an acknowledged change) must not take an older answer.
   */
  private repair(mirrors: readonly Mirror[]): Promise<Truth> {
    const id = mirrors.map((m) => m.key).join(' ');
    const running = this.joinable.get(id);
    if (running) return running;
    const p = this.markReadFill(mirrors, () => this.joinable.delete(id));
    this.joinable.set(id, p);
    p.catch(() => undefined).finally(() => { if (this.joinable.get(id) === p) this.joinable.delete(id); });
    return p;
  }

  private async markReadFill(mirrors: readonly Mirror[], closeJoining: () => void): Promise<Truth> {
    const nonce = randomBytes(12).toString('base64url');
    const keys = mirrors.map((m) => m.key);
    const marks = keys.map(fillMarkKey);
    const mark = this.dbs.cache.pipeline();
    for (const k of marks) mark.set(k, nonce, { px: FILL_MARK_TTL_MS });
    await this.call(() => mark.exec());
    closeJoining();
    const truth = await this.authoritative(mirrors);
    const values = keys.map((k) => truth.values.get(k) as string);
    const pxs = keys.map((k) => String(truth.px.get(k) ?? MIRROR_TTL_MS));
    // A failed fill only means the next reader repairs again.
    await this.call(() => this.dbs.cache.eval(FILL_SCRIPT, [...keys, ...marks], [nonce, ...values, ...pxs])).catch(() => undefined);
    return truth.values;
  }

  /**
   * The mirrors' values from the authoritative copies, in one guardrails request. A surface state
   * mirror of a bypassed surface lives no longer than the flag.
   */
  private async authoritative(mirrors: readonly Mirror[]): Promise<{ values: Map<string, string>; px: Map<string, number> }> {
    const p = this.dbs.guardrails.pipeline();
    for (const m of mirrors) {
      if (m.kind === 'resource') {
        p.get(authoritativeKey(m.key));
        continue;
      }
      p.get(authoritativeKey(m.genKey));
      p.get(authoritativeKey(m.bypassKey));
      p.pttl(authoritativeKey(m.bypassKey));
    }
    const results = await p.exec<unknown[]>();
    const values = new Map<string, string>();
    const px = new Map<string, number>();
    const generation = (v: unknown): string => (v == null ? GENERATION_ABSENT : String(v));
    let i = 0;
    for (const m of mirrors) {
      if (m.kind === 'resource') {
        values.set(m.key, generation(results[i++]));
        continue;
      }
      const gen = generation(results[i++]);
      const flag = results[i++];
      const pttl = Number(results[i++]);
      const on = flag != null && pttl !== -2;
      values.set(m.key, surfaceStateValue(gen, on));
      if (on && pttl > 0) px.set(m.key, Math.min(pttl, MIRROR_TTL_MS));
    }
    return { values, px };
  }
}
