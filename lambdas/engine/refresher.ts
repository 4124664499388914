/**
 * Going to the origin for a read that found nothing usable: one caller per fleet takes the refresh
 * lock and refreshes, the others serve what they have or wait a bounded time for the owner's entry
 * (then take the lock themselves if the owner vanished, or go to the origin at the deadline). Also
 * the write path (`store`) and the bypass read (origin only, nothing read or written in Redis).
 */
import type { Redis } from '@upstash/redis';
import type { DatabaseLabel } from '../../contracts/database-roles';
import type { SurfaceConfig } from '../../config/types';
import { loopDelayMs } from '../shared/loop-delay';
import type { MetricsRecorder } from '../shared/metrics/recorder';
import { encodeEnvelope, type Envelope, type Generations } from './envelope';
import { expiresAtMs } from './freshness';
import { OriginError, fetchOrigin, isStorable, type FetchFn, type OriginResponse } from './origin';
import { RELEASE_SCRIPT, newLockToken, tryAcquire } from './refresh-lock';
import type { RequestTarget } from './request-target';
import { payloadOf, servedEntry, servedOrigin, type CacheStatus, type Served } from './responses';
import type { StoredEntries } from './stored-entries';
import type { VersionRegistry } from './version-registry';

export type Outcome =
  | { readonly kind: 'serve'; readonly served: Served }
  | {
    readonly kind: 'origin_failed'; readonly xcache: CacheStatus; readonly message: string;
    /** Error code of the 502. @default 'origin_unavailable' */
    readonly code?: 'origin_response_too_large';
  };

/** How long a key whose answer was too large to store goes straight to the origin (no lock churn). */
const OVERSIZE_MEMORY_MS = 60_000;
const OVERSIZE_MEMORY_KEYS = 1000;

/** What a refresher falls back to when the origin fails: the entry it already has. */
export interface Fallback {
  readonly entry: Envelope;
  readonly xcache: 'HIT' | 'STALE';
}

/** `superseded`: the refresh lock was gone at write time (an invalidation or another refresher took it). */
export type StoreResult = 'stored' | 'oversize' | 'redis_unavailable' | 'superseded';

/**
 * KEYS: entry, its refresh lock; ARGV: token, value, PX. Stores only while the lock holds the token
 * (an exact-key or prefix invalidation deletes the lock first), then releases it. 1 when stored.
 */
const STORE_SCRIPT = `if redis.call('get', KEYS[2]) == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('del', KEYS[2])
  return 1
end
return 0`;

export interface RefresherOptions {
  readonly redis: Redis;
  readonly entries: StoredEntries;
  readonly registry: VersionRegistry;
  readonly metrics: MetricsRecorder;
  /** The cache database written, as the metrics call it. */
  readonly database: DatabaseLabel;
  readonly clock: () => number;
  readonly fetch: FetchFn;
  readonly maxItemBytes: number;
  /** Runs a Redis call through the engine's breaker. */
  readonly call: <T>(fn: () => Promise<T>) => Promise<T>;
  /** @default origin timeout + 500 ms */
  readonly lockWaitMs?: number;
  /** @default 20 */
  readonly pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Waited = { kind: 'entry'; entry: Envelope } | { kind: 'acquired'; token: string } | { kind: 'gave_up' };

/** Keys whose last origin answer was too large to store, remembered briefly (bounded, oldest first). */
class OversizeKeys {
  private readonly until = new Map<string, number>();
  constructor(private readonly clock: () => number) {}
  has(key: string): boolean {
    const t = this.until.get(key);
    if (t !== undefined && t <= this.clock()) this.until.delete(key);
    return t !== undefined && t > this.clock();
  }
  add(key: string): void {
    this.until.delete(key);
    if (this.until.size >= OVERSIZE_MEMORY_KEYS) this.until.delete(this.until.keys().next().value as string);
    this.until.set(key, this.clock() + OVERSIZE_MEMORY_MS);
  }
}

function failed(e: unknown, xcache: CacheStatus): Outcome {
  const tooLarge = e instanceof OriginError && e.outcome === 'too_large';
  return { kind: 'origin_failed', xcache, message: (e as Error).message, ...(tooLarge ? { code: 'origin_response_too_large' as const } : {}) };
}

export class Refresher {
  private readonly oversize: OversizeKeys;

  constructor(private readonly opts: RefresherOptions) {
    this.oversize = new OversizeKeys(opts.clock);
  }

  /** True while `key`'s answers are known to be too large to store: read it straight from the origin. */
  knownOversize(key: string): boolean {
    return this.oversize.has(key);
  }

  /** Straight to the origin for a key too large to store: served as a MISS, nothing written. */
  async passThrough(t: RequestTarget, deadline: number): Promise<Outcome> {
    let res: OriginResponse;
    try {
      res = await this.callOrigin(t, deadline);
    } catch (e) {
      return failed(e, 'MISS');
    }
    if (res.status >= 500) return { kind: 'origin_failed', xcache: 'MISS', message: `the origin answered ${res.status} and no cached copy exists` };
    return { kind: 'serve', served: servedOrigin(t.surface, res, 'MISS', isStorable(res)) };
  }

  /** One caller in the fleet refreshes (refresh lock); the others serve what they have or wait. */
  async fill(t: RequestTarget, gens: Generations, fallback: Fallback | undefined, deadline: number): Promise<Outcome> {
    const token = newLockToken();
    let acquired: boolean;
    try {
      acquired = await this.opts.call(() => tryAcquire(this.opts.redis, t.lockKey, token, lockTtlMs(t.surface)));
    } catch {
      return fallback ? this.serveFallback(fallback) : this.bypass(t, 'redis_unavailable', deadline);
    }
    if (acquired) return this.refreshFromOrigin(t, gens, fallback, token, deadline);
    if (fallback) return this.serveFallback(fallback);
    const waited = await this.waitForOwner(t, gens, deadline);
    if (waited.kind === 'entry') return { kind: 'serve', served: servedEntry(waited.entry, 'HIT', this.opts.clock()) };
    return this.refreshFromOrigin(t, gens, undefined, waited.kind === 'acquired' ? waited.token : await this.fence(t), deadline);
  }

  serveFallback(f: Fallback): Outcome {
    return { kind: 'serve', served: servedEntry(f.entry, f.xcache, this.opts.clock()) };
  }

  /** Straight to the origin, nothing read or written in Redis. */
  async bypass(t: RequestTarget, reason: 'redis_unavailable' | 'emergency', deadline: number): Promise<Outcome> {
    let res: OriginResponse;
    try {
      res = await this.callOrigin(t, deadline);
    } catch (e) {
      return failed(e, 'BYPASS');
    }
    if (res.status >= 500) return { kind: 'origin_failed', xcache: 'BYPASS', message: `the origin answered ${res.status}` };
    return { kind: 'serve', served: { ...servedOrigin(t.surface, res, 'BYPASS', isStorable(res)), bypassReason: reason } };
  }

  /** The origin call, bounded by the surface's timeout and by what is left of the request's deadline. */
  async callOrigin(t: RequestTarget, deadline = Number.POSITIVE_INFINITY): Promise<OriginResponse> {
    const { clock, metrics } = this.opts;
    const namespace = t.surface.name;
    const timeoutMs = Math.max(1, Math.min(t.surface.originTimeoutMs, deadline - clock()));
    try {
      const res = await fetchOrigin(this.opts.fetch, t.originUrl, t.originHeaders, { timeoutMs, clock });
      metrics.increment('cache_origin_requests_total', { namespace, outcome: res.status >= 500 ? 'error' : 'success' });
      return res;
    } catch (e) {
      metrics.increment('cache_origin_requests_total', { namespace, outcome: e instanceof OriginError ? e.outcome : 'error' });
      throw e;
    }
  }

  /**
   * A write fence for a caller without the refresh lock (warmup, a waiter that gave up): takes the
   * lock whoever holds it, before the origin call. Undefined when Redis is unavailable.
   */
  async fence(t: RequestTarget): Promise<string | undefined> {
    const token = newLockToken();
    const taken = await this.opts.call(() => this.opts.redis.set(t.lockKey, token, { px: lockTtlMs(t.surface) })).catch(() => undefined);
    return taken === 'OK' ? token : undefined;
  }

  /**
   * Stores the origin's answer, fenced by the refresh lock `token` taken before the origin call so
   * no invalidation in between is undone (docs/invariants.md), and releases the lock; never throws.
   */
  async store(t: RequestTarget, gens: Generations, res: OriginResponse, token: string | undefined): Promise<StoreResult> {
    const surface = t.surface;
    const { value } = encodeEnvelope({
      surfaceVersion: this.opts.registry.current(surface.name),
      storedAtMs: this.opts.clock(),
      ttlSeconds: surface.ttlSeconds,
      staleSeconds: surface.staleWhileRevalidateSeconds,
      generations: gens,
      originMs: res.durationMs,
      payload: payloadOf(surface, res),
    }, { compressAboveBytes: surface.compressAboveBytes });
    if (Buffer.byteLength(value) > this.opts.maxItemBytes) {
      this.opts.metrics.increment('cache_evictions_total', { namespace: surface.name, reason: 'oversize' });
      await this.releaseLock(t, token);
      return 'oversize';
    }
    if (!token) return 'superseded';
    try {
      const px = (surface.ttlSeconds + surface.staleWhileRevalidateSeconds) * 1000;
      const stored = await this.opts.call(() => this.opts.redis.eval(STORE_SCRIPT, [t.key, t.lockKey], [token, value, String(px)]));
      if (Number(stored) !== 1) return 'superseded';
      this.opts.metrics.increment('cache_writes_total', { namespace: surface.name, database: this.opts.database });
      return 'stored';
    } catch {
      return 'redis_unavailable';
    }
  }

  /**
   * Polls for the entry the lock owner is writing. Takes the lock itself when the owner is gone
   * without writing (failed, oversize); gives up at the deadline so a lost owner costs a bounded wait.
   */
  private async waitForOwner(t: RequestTarget, gens: Generations, requestDeadline: number): Promise<Waited> {
    const { clock, redis, call } = this.opts;
    const waitMs = this.opts.lockWaitMs ?? t.surface.originTimeoutMs + 500;
    // The wait counts time the owner had, not time this process was too busy to look (loop-delay.ts);
    // the request's deadline bounds it whatever.
    const started = clock();
    const delayAtStart = loopDelayMs();
    const waited = (): number => clock() - started - (loopDelayMs() - delayAtStart);
    let interval = this.opts.pollIntervalMs ?? 20;
    while (waited() < waitMs && clock() < requestDeadline) {
      await sleep(Math.max(1, Math.min(interval, waitMs - waited(), requestDeadline - clock())));
      interval = Math.min(interval * 1.5, 200);
      let raw: string | null | undefined;
      let lock: string | null | undefined;
      try {
        [raw, lock] = await call(() => redis.mget<(string | null)[]>(t.key, t.lockKey));
      } catch {
        return { kind: 'gave_up' };
      }
      if (raw) {
        const entry = await this.opts.entries.usable(t.key, t.surface.name, raw, gens, false);
        if (entry && clock() < expiresAtMs(entry)) return { kind: 'entry', entry };
      }
      if (!lock) {
        const token = newLockToken();
        const got = await call(() => tryAcquire(redis, t.lockKey, token, lockTtlMs(t.surface))).catch(() => false);
        if (got) return { kind: 'acquired', token };
      }
    }
    return { kind: 'gave_up' };
  }

  private async refreshFromOrigin(
    t: RequestTarget, gens: Generations, fallback: Fallback | undefined, token: string | undefined, deadline: number,
  ): Promise<Outcome> {
    let res: OriginResponse;
    try {
      res = await this.callOrigin(t, deadline);
    } catch (e) {
      await this.releaseLock(t, token);
      if (e instanceof OriginError && e.outcome === 'too_large') this.oversize.add(t.key);
      return fallback ? this.serveFallback(fallback) : failed(e, 'MISS');
    }
    if (res.status >= 500) {
      await this.releaseLock(t, token);
      return fallback
        ? this.serveFallback(fallback)
        : { kind: 'origin_failed', xcache: 'MISS', message: `the origin answered ${res.status} and no cached copy exists` };
    }
    if (!isStorable(res)) {
      await this.releaseLock(t, token);
      return { kind: 'serve', served: servedOrigin(t.surface, res, 'MISS', false) };
    }
    // Served either way; an oversize answer or a failed write only means the next read misses too.
    if (await this.store(t, gens, res, token) === 'oversize') this.oversize.add(t.key);
    return { kind: 'serve', served: servedOrigin(t.surface, res, 'MISS', true) };
  }

  async releaseLock(t: RequestTarget, token: string | undefined): Promise<void> {
    if (!token) return;
    await this.opts.call(() => this.opts.redis.eval(RELEASE_SCRIPT, [t.lockKey], [token])).catch(() => undefined);
  }
}

function lockTtlMs(surface: SurfaceConfig): number {
  return surface.originTimeoutMs + 1000;
}
