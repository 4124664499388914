/**
 * The read-through response cache: reading, refreshing and deciding freshness. HTTP routing,
 * health, debug and request metrics belong to the cache function (`lambdas/cache/`).
 *
 * - `read()`: one `MGET` (entry, surface and resource generations, bypass flag; `cache-state.ts`)
 *   in parallel with the rate-limit check; a current, fresh entry (`freshness.ts`) is a HIT.
 *   Otherwise one caller per instance (single flight) and one per fleet (refresh lock,
 *   `refresher.ts`) goes to the origin; the others serve stale, or wait a bounded time for the new
 *   entry and then go to the origin themselves. XFetch refreshes a hot entry shortly before it
 *   expires. Every refresh is awaited by the request that owns it: nothing runs after the response
 *   is returned (Lambda freezes).
 * - Redis slow or down (timeout, circuit open): straight to the origin, `X-Cache: BYPASS`, no 5xx.
 * - `refresh()`: the warmup's write path. `inspect()`: entry metadata for `/debug/cache`.
 */
import type { Redis } from '@upstash/redis';
import type { SurfaceConfig } from '../../config/types';
import { rateLimitedResponse, type RateLimitDecision } from '../guardrails/rate-limit-decision';
import { jsonError, lowercaseHeaders, type HttpResult } from '../shared/http';
import type { MetricsRecorder } from '../shared/metrics/recorder';
import { NOOP_METRICS } from '../shared/metrics/recorder';
import { CacheStateReader, type CacheState } from './cache-state';
import { CircuitBreaker } from './circuit-breaker';
import { CorruptEntryError, decodeEnvelope, type Envelope, type Generations } from './envelope';
import type { CacheEngineOptions, EntryInspection, ReadObservation, ReadRequest, ReadTrace, RefreshResult } from './engine-types';
import { freshnessOf, isCurrent, refreshEarly, ageSeconds } from './freshness';
import { KeyError, parseKey, bypassFlagKey, resourceGenerationKey, surfaceGenerationKey, surfaceStateKey } from './keys';
import { isStorable, type OriginResponse } from './origin';
import { Refresher, type Outcome } from './refresher';
import { RequestTargets, requestTarget, type RequestTarget } from './request-target';
import { buildResponse, servedEntry, type CacheStatus } from './responses';
import { SingleFlight } from './single-flight';
import { StoredEntries } from './stored-entries';
import { DEFAULT_VERSION_REGISTRY, type VersionRegistry } from './version-registry';

export type { CacheEngineOptions, EntryInspection, ReadObservation, ReadRequest, ReadTrace, RefreshResult } from './engine-types';

/**
 * A read straight to the origin joins a running one for the same key only if it started at most
 * this long ago, the propagation bound of an invalidation (docs/invariants.md).
 */
const BYPASS_JOIN_WINDOW_MS = 1000;
const NO_TRACE: ReadTrace = { setAttribute: () => undefined };

export class CacheEngine {
  private readonly redis: Redis;
  private readonly metrics: MetricsRecorder;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly registry: VersionRegistry;
  private readonly breaker: CircuitBreaker;
  private readonly surfaces: ReadonlyMap<string, SurfaceConfig>;
  /** Fills by key and the generations they write under: a read after a bump never joins an older fill. */
  private readonly inflight = new SingleFlight<Outcome>();
  /** Reads straight to the origin (Redis unavailable, emergency bypass), coalesced too. */
  private readonly bypassing: SingleFlight<Outcome>;
  private readonly entries: StoredEntries;
  private readonly state: CacheStateReader;
  private readonly refresher: Refresher;
  private readonly targets: RequestTargets;
  private readonly requestTimeoutMs: number;

  constructor(private readonly opts: CacheEngineOptions) {
    this.redis = opts.redis;
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.registry = opts.registry ?? DEFAULT_VERSION_REGISTRY;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? opts.env.runtime.requestTimeoutMs;
    const timeoutMs = opts.breaker?.timeoutMs ?? opts.env.runtime.redisTimeoutMs;
    this.breaker = new CircuitBreaker({ clock: this.clock, ...opts.breaker, timeoutMs });
    this.bypassing = new SingleFlight<Outcome>(BYPASS_JOIN_WINDOW_MS, this.clock);
    this.surfaces = new Map(opts.env.surfaces.map((s) => [s.name, s]));
    this.targets = new RequestTargets(opts.env.name);
    const call = <T>(fn: () => Promise<T>): Promise<T> => this.breaker.run(fn);
    this.state = new CacheStateReader({ cache: this.redis, guardrails: opts.guardrails }, call);
    this.entries = new StoredEntries({ redis: this.redis, registry: this.registry, metrics: this.metrics, call });
    this.refresher = new Refresher({
      redis: this.redis,
      entries: this.entries,
      registry: this.registry,
      metrics: this.metrics,
      database: opts.database ?? 'cache',
      clock: this.clock,
      fetch: opts.fetch ?? ((url, init) => fetch(url, init)),
      maxItemBytes: opts.env.runtime.maxItemBytes,
      call,
      lockWaitMs: opts.lockWaitMs,
      pollIntervalMs: opts.pollIntervalMs,
    });
  }

  /** Circuit state, for health output and tests. */
  circuitState(): ReturnType<CircuitBreaker['state']> {
    return this.breaker.state();
  }

  /** The circuit by the cache database it guards (`/readyz`). */
  circuitStates(): Record<string, ReturnType<CircuitBreaker['state']>> {
    return { [this.opts.database ?? 'cache']: this.breaker.state() };
  }

  /** Answers one read: 404 unknown surface, 400 bad path, 429 limited, else the cached or origin answer. */
  async read(req: ReadRequest, trace: ReadTrace = NO_TRACE): Promise<HttpResult> {
    const deadline = this.clock() + this.requestTimeoutMs;
    const surface = this.surfaces.get(req.surface);
    trace.setAttribute('cache.namespace', surface ? surface.name : 'unknown');
    if (!surface) {
      trace.setAttribute('cache.outcome', 'unknown_surface');
      return jsonError(404, 'unknown_surface', `surface "${req.surface.slice(0, 64)}" is not configured; known: ${[...this.surfaces.keys()].join(', ')}`);
    }
    const headers = lowercaseHeaders(req.headers);
    const query = req.query ?? {};
    let target: RequestTarget;
    try {
      target = this.targets.get(surface, req.path, query, headers);
    } catch (e) {
      if (e instanceof KeyError) return jsonError(400, e.code, e.message);
      throw e;
    }
    const observed = this.opts.onRead ? this.observeRead({ surface: surface.name, path: req.path, query, headers }) : undefined;
    const exact = (surface.rateLimit.scope ?? 'every-request') === 'every-request';
    const [checked, state] = this.opts.rateLimiter && exact
      ? await Promise.all([this.rateLimit(surface, req, headers, trace), this.lookup(target)])
      : [undefined, await this.lookup(target)];
    const decision = exact ? checked : await this.originBoundLimit(surface, req, headers, trace, target, state);
    if (observed) await observed;
    if (decision) trace.setAttribute('rateLimit.outcome', decision.outcome);
    if (decision && !decision.allowed) {
      trace.setAttribute('cache.outcome', 'rate_limited');
      return rateLimitedResponse(decision);
    }

    const outcome = await this.decide(target, state, deadline);
    const xcache = outcome.kind === 'serve' ? outcome.served.xcache : outcome.xcache;
    trace.setAttribute('cache.hit', xcache === 'HIT' || xcache === 'STALE');
    trace.setAttribute('cache.status', xcache);
    trace.setAttribute('cache.outcome', outcome.kind === 'origin_failed' ? 'origin_failed' : xcache);
    this.countServed(surface.name, xcache, outcome.kind === 'serve' ? outcome.served.bypassReason : undefined);
    if (outcome.kind === 'origin_failed') {
      return jsonError(502, outcome.code ?? 'origin_unavailable', outcome.message, { ...decision?.headers, 'x-cache': outcome.xcache });
    }
    return buildResponse(outcome.served, { head: req.method === 'HEAD', ifNoneMatch: headers['if-none-match'], extraHeaders: decision?.headers });
  }

  /**
   * The write path (warmup): fetches `path` from the surface's origin and stores it, whatever is
   * cached now. Throws `KeyError` for a bad path and an Error for an unknown surface.
   */
  async refresh(surfaceName: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<RefreshResult> {
    const surface = this.surfaces.get(surfaceName);
    if (!surface) throw new Error(`unknown surface "${surfaceName}"; configured: ${[...this.surfaces.keys()].join(', ')}`);
    const target = requestTarget(this.opts.env.name, surface, path, query, lowercaseHeaders(headers));
    let gens: Generations;
    let token: string | undefined;
    try {
      gens = (await this.state.read(target)).generations;
      token = await this.refresher.fence(target);
    } catch {
      return { key: target.key, stored: false, status: 0, reason: 'redis_unavailable' };
    }
    if (!token) return { key: target.key, stored: false, status: 0, reason: 'redis_unavailable' };
    let res: OriginResponse;
    try {
      res = await this.refresher.callOrigin(target);
    } catch {
      await this.refresher.releaseLock(target, token);
      return { key: target.key, stored: false, status: 0, reason: 'origin_error' };
    }
    if (res.status >= 500 || !isStorable(res)) {
      await this.refresher.releaseLock(target, token);
      return { key: target.key, stored: false, status: res.status, reason: res.status >= 500 ? 'origin_error' : 'not_storable' };
    }
    const stored = await this.refresher.store(target, gens, res, token);
    return stored === 'stored'
      ? { key: target.key, stored: true, status: res.status }
      : { key: target.key, stored: false, status: res.status, reason: stored };
  }

  /**
   * What is stored under `key` and whether a read would use it; undefined when nothing is stored.
   * Throws `KeyError` for a malformed key or one of another environment; Redis errors propagate.
   */
  async inspect(key: string): Promise<EntryInspection | undefined> {
    const parts = parseKey(key);
    if (parts.env !== this.opts.env.name) throw new KeyError(`key belongs to environment "${parts.env}", this is "${this.opts.env.name}"`);
    const state = await this.state.read({
      surfaceStateKey: surfaceStateKey(parts.env, parts.surface),
      surfaceGenKey: surfaceGenerationKey(parts.env, parts.surface),
      resourceGenKey: resourceGenerationKey(parts.env, parts.surface, parts.resource),
      bypassKey: bypassFlagKey(parts.env, parts.surface),
    }, key);
    const raw = state.raw;
    if (raw === null) return undefined;
    const storedBytes = Buffer.byteLength(raw);
    let entry: Envelope;
    try {
      entry = decodeEnvelope(raw);
    } catch (e) {
      return { key, corrupt: true, reason: e instanceof CorruptEntryError ? e.reason : 'unknown', storedBytes };
    }
    const now = this.clock();
    return {
      key,
      corrupt: false,
      entry,
      currentSurfaceVersion: this.registry.current(parts.surface),
      currentGenerations: state.generations,
      valid: isCurrent(entry, parts.surface, state.generations, this.registry),
      ageSeconds: ageSeconds(entry, now),
      state: freshnessOf(entry, now),
      storedBytes,
      bypass: state.bypass,
    };
  }

  private observeRead(read: ReadObservation): Promise<unknown> {
    try {
      return Promise.resolve(this.opts.onRead?.(read)).catch(() => undefined);
    } catch {
      return Promise.resolve();
    }
  }

  private async rateLimit(surface: SurfaceConfig, req: ReadRequest, headers: Record<string, string>, trace: ReadTrace): Promise<RateLimitDecision | undefined> {
    if (!this.opts.rateLimiter) return undefined;
    trace.setAttribute('rateLimit.bucket', surface.name);
    try {
      return await this.opts.rateLimiter.limitClient(surface.name, { ip: req.clientIp ?? 'unknown', apiKey: headers['x-api-key'] });
    } catch {
      // A misconfigured bucket must not take reads down; the limiter counts its own failures.
      return undefined;
    }
  }

  /**
   * An `origin-bound` policy: a fresh hit is checked in memory only (`limitHit`), anything that may
   * reach the origin (miss, stale, bypass, Redis down) is counted in Redis after the lookup. An
   * XFetch early refresh of a fresh hit is not counted: one per key per fleet (refresh lock).
   */
  private async originBoundLimit(
    surface: SurfaceConfig, req: ReadRequest, headers: Record<string, string>, trace: ReadTrace, t: RequestTarget, state: CacheState | undefined,
  ): Promise<RateLimitDecision | undefined> {
    const limiter = this.opts.rateLimiter;
    if (!limiter) return undefined;
    const entry = state && !state.bypass && state.raw !== null
      ? await this.entries.usable(t.key, surface.name, state.raw, state.generations, false)
      : undefined;
    if (!entry || freshnessOf(entry, this.clock()) !== 'fresh') return this.rateLimit(surface, req, headers, trace);
    trace.setAttribute('rateLimit.bucket', surface.name);
    return limiter.limitHit?.(surface.name, { ip: req.clientIp ?? 'unknown', apiKey: headers['x-api-key'] }).catch(() => undefined);
  }

  /** The single round trip of the hit path. Never rejects: a Redis failure is undefined. */
  private async lookup(t: RequestTarget): Promise<CacheState | undefined> {
    if (!this.breaker.allows()) return undefined;
    try {
      return await this.state.read(t, t.key);
    } catch {
      return undefined;
    }
  }

  private async decide(t: RequestTarget, state: CacheState | undefined, deadline: number): Promise<Outcome> {
    if (!state || state.bypass) {
      const reason = state ? 'emergency' : 'redis_unavailable';
      return this.bypassing.run(t.key, () => this.refresher.bypass(t, reason, deadline));
    }
    const gens = state.generations;
    const decoded = state.raw === null ? undefined : this.entries.usableDecoded(t.key, t.surface.name, state.raw, gens);
    const entry = decoded === 'undecoded' ? await this.entries.usable(t.key, t.surface.name, state.raw as string, gens, true) : decoded;
    const now = this.clock();
    const freshness = entry ? freshnessOf(entry, now) : 'expired';
    if (entry && freshness === 'fresh' && !refreshEarly(entry, now, this.opts.xfetchBeta ?? 1, this.random())) {
      return { kind: 'serve', served: servedEntry(entry, 'HIT', now) };
    }
    // Fills by key and the generations they write under: a read after a bump never joins an older fill.
    const flight = `${t.key}|${gens.surface}|${gens.resource}`;
    if (entry && freshness === 'fresh') {
      if (this.inflight.has(flight)) return { kind: 'serve', served: servedEntry(entry, 'HIT', now) };
      return this.inflight.run(flight, () => this.refresher.fill(t, gens, { entry, xcache: 'HIT' }, deadline));
    }
    if (entry && freshness === 'stale') {
      // Someone in this instance is already refreshing: serve stale now rather than wait for it.
      if (this.inflight.has(flight)) return this.refresher.serveFallback({ entry, xcache: 'STALE' });
      return this.inflight.run(flight, () => this.refresher.fill(t, gens, { entry, xcache: 'STALE' }, deadline));
    }
    // Too large to store (remembered briefly): no lock, no write, one origin call per key and instance.
    if (this.refresher.knownOversize(t.key)) return this.bypassing.run(t.key, () => this.refresher.passThrough(t, deadline));
    return this.inflight.run(flight, () => this.refresher.fill(t, gens, undefined, deadline));
  }

  private countServed(namespace: string, xcache: CacheStatus, bypassReason: string | undefined): void {
    if (xcache === 'HIT') this.metrics.increment('cache_hits_total', { namespace });
    else if (xcache === 'MISS') this.metrics.increment('cache_misses_total', { namespace });
    else if (xcache === 'STALE') this.metrics.increment('cache_stale_served_total', { namespace });
    else this.metrics.increment('cache_bypass_total', { namespace, reason: bypassReason ?? 'redis_unavailable' });
  }
}
