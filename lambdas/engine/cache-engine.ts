/**
 * The read-through response cache. `handle()` answers one HTTP request:
 *
 * - `GET|HEAD /c/{surface}/{path+}`: one `MGET` (entry, surface and resource generations, bypass
 *   flag) in parallel with the rate-limit check; a fresh, valid entry is a HIT. Otherwise one caller
 *   per instance (single flight) and one per fleet (refresh lock) goes to the origin; the others
 *   serve stale, or wait a bounded time for the new entry and then go to the origin themselves.
 *   XFetch refreshes a hot entry shortly before it expires. Every refresh is awaited by the request
 *   that owns it: nothing runs after the response is returned (Lambda freezes).
 * - Redis slow or down (timeout, circuit open): straight to the origin, `X-Cache: BYPASS`, no 5xx.
 * - `/healthz`, `/readyz`, `/debug/cache?key=` (admin token).
 */
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Redis } from '@upstash/redis';
import type { EnvironmentConfig, SurfaceConfig } from '../../config/types';
import type { AdminAuthenticator } from '../guardrails/admin-auth';
import { unauthorizedResponse } from '../guardrails/admin-auth';
import { rateLimitedResponse, type RateLimitDecision } from '../guardrails/rate-limit-decision';
import type { RateLimiterManager } from '../guardrails/rate-limiter';
import { json, jsonError, lowercaseHeaders, type Headers, type HttpResult } from '../shared/http';
import type { MetricsRecorder } from '../shared/metrics/recorder';
import { NOOP_METRICS } from '../shared/metrics/recorder';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { DecodedEntries } from './decoded-entries';
import { CorruptEntryError, decodeEnvelope, encodeEnvelope, strongEtag, type CachedPayload, type Envelope } from './envelope';
import { GENERATION_ABSENT, type CurrentGenerations } from './invalidation';
import { KeyError, parseKey, bypassFlagKey, resourceGenerationKey, surfaceGenerationKey } from './keys';
import { OriginError, fetchOrigin, isStorable, type FetchFn, type OriginResponse } from './origin';
import { RELEASE_SCRIPT, newLockToken, tryAcquire } from './refresh-lock';
import { RequestTargets, requestTarget, type RequestTarget } from './request-target';
import { buildResponse, type CacheStatus, type Served } from './responses';
import { DEFAULT_VERSION_REGISTRY, type VersionRegistry } from './version-registry';

export interface CacheRequest {
  readonly method: string;
  /** Raw path, e.g. `/c/marketing/blog/hello-world`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Headers;
  readonly clientIp?: string;
}

/** A valid read, as `CacheEngineOptions.onRead` sees it. */
export interface ReadObservation {
  readonly surface: string;
  /** Path below the surface. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Lowercase request headers. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface CacheEngineOptions {
  /** Environment name (first key segment), surfaces and runtime limits. */
  readonly env: Pick<EnvironmentConfig, 'name' | 'surfaces' | 'runtime'>;
  /** Client of the cache database (entries, generations, flags, refresh locks). */
  readonly redis: Redis;
  /** Rate limiter on the guardrails database; checked in parallel with the lookup. @default - no limiting */
  readonly rateLimiter?: Pick<RateLimiterManager, 'limitClient'>;
  /** Guards `/debug/cache`. @default - the debug route answers 401 */
  readonly adminAuth?: Pick<AdminAuthenticator, 'authenticate'>;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /**
   * Called synchronously for every valid read, just before the rate-limit check and the lookup
   * are issued. Guardrails commands started here (metrics flush, popularity sample) ride in the
   * same auto-pipelined request as the rate-limit check, so they add no round trip. The returned
   * promise is awaited before the read answers (nothing outlives a Lambda invocation); its
   * failure never fails the read.
   * @default - nothing
   */
  readonly onRead?: (read: ReadObservation) => Promise<unknown> | void;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
  /** Uniform in (0, 1], for XFetch. @default Math.random */
  readonly random?: () => number;
  /** Origin HTTP client. @default globalThis.fetch */
  readonly fetch?: FetchFn;
  /** @default DEFAULT_VERSION_REGISTRY */
  readonly registry?: VersionRegistry;
  /**
   * Circuit breaker. Its per-call timeout defaults to `env.runtime.redisTimeoutMs`; pass 0 when the
   * client enforces that timeout itself (`createUpstashClient` does), which saves a timer per call.
   */
  readonly breaker?: CircuitBreakerOptions;
  /**
   * End-to-end bound of one read (`REQUEST_TIMEOUT_MS`): waits for another caller's refresh and
   * origin calls get only what is left of it, so a slow origin or lock owner cannot hold a
   * request longer. Nothing is left running: work past the deadline is aborted, not abandoned.
   * @default env.runtime.requestTimeoutMs
   */
  readonly requestTimeoutMs?: number;
  /** How long a caller without stale content waits for another caller's refresh. @default origin timeout + 500 ms */
  readonly lockWaitMs?: number;
  /** First poll interval while waiting (grows to 200 ms). @default 20 */
  readonly pollIntervalMs?: number;
  /** XFetch beta: above 1 refreshes earlier, 0 disables early refresh. @default 1 */
  readonly xfetchBeta?: number;
}

export interface RefreshResult {
  readonly key: string;
  readonly stored: boolean;
  /** Origin status, 0 when the origin could not be reached. */
  readonly status: number;
  /** Why nothing was stored. */
  readonly reason?: 'origin_error' | 'not_storable' | 'oversize' | 'redis_unavailable';
}

type Outcome =
  | { readonly kind: 'serve'; readonly served: Served }
  | { readonly kind: 'origin_failed'; readonly xcache: CacheStatus; readonly message: string };

interface Lookup {
  readonly ok: boolean;
  readonly raw: string | null;
  readonly gens: CurrentGenerations;
  readonly bypass: boolean;
}

/** What a refresher falls back to when the origin fails: the entry it already has. */
interface Fallback {
  readonly entry: Envelope;
  readonly xcache: 'HIT' | 'STALE';
}

const tracer = trace.getTracer('cache-engine');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const METHOD_LABELS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const READ_ROUTE = /^\/c\/([^/]+)(?:\/(.*))?$/;

export class CacheEngine {
  private readonly redis: Redis;
  private readonly metrics: MetricsRecorder;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly fetchFn: FetchFn;
  private readonly registry: VersionRegistry;
  private readonly breaker: CircuitBreaker;
  private readonly surfaces: ReadonlyMap<string, SurfaceConfig>;
  private readonly inflight = new Map<string, Promise<Outcome>>();
  private readonly decoded = new DecodedEntries();
  private readonly targets: RequestTargets;
  private readonly redisTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly opts: CacheEngineOptions) {
    this.redis = opts.redis;
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.fetchFn = opts.fetch ?? ((url, init) => fetch(url, init));
    this.registry = opts.registry ?? DEFAULT_VERSION_REGISTRY;
    this.redisTimeoutMs = opts.env.runtime.redisTimeoutMs;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? opts.env.runtime.requestTimeoutMs;
    this.breaker = new CircuitBreaker({ clock: this.clock, ...opts.breaker, timeoutMs: opts.breaker?.timeoutMs ?? this.redisTimeoutMs });
    this.surfaces = new Map(opts.env.surfaces.map((s) => [s.name, s]));
    this.targets = new RequestTargets(opts.env.name);
  }

  /** Circuit state, for health output and tests. */
  circuitState(): ReturnType<CircuitBreaker['state']> {
    return this.breaker.state();
  }

  async handle(req: CacheRequest): Promise<HttpResult> {
    const started = this.clock();
    const method = req.method.toUpperCase();
    const { route, run } = this.route(method, req);
    const methodLabel = METHOD_LABELS.has(method) ? method : 'OTHER';
    return tracer.startActiveSpan(`${method} ${route}`, async (span) => {
      span.setAttribute('http.request.method', method);
      span.setAttribute('http.route', route);
      let res: HttpResult;
      try {
        res = await run(span);
      } catch (e) {
        // Last line of defence: a bug never leaks a stack trace.
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        res = jsonError(500, 'internal_error', 'the cache engine failed to answer this request');
      }
      span.setAttribute('http.response.status_code', res.statusCode ?? 200);
      span.end();
      this.metrics.observe('http_request_duration_seconds', (this.clock() - started) / 1000,
        { method: methodLabel, route, status_code: String(res.statusCode ?? 200) });
      return res;
    });
  }

  /**
   * The write path (warmup): fetches `path` from the surface's origin and stores it, whatever is
   * cached now. Throws `KeyError` for a bad path and an Error for an unknown surface.
   */
  async refresh(surfaceName: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<RefreshResult> {
    const surface = this.surfaces.get(surfaceName);
    if (!surface) throw new Error(`unknown surface "${surfaceName}"; configured: ${[...this.surfaces.keys()].join(', ')}`);
    const target = requestTarget(this.opts.env.name, surface, path, query, lowercaseHeaders(headers));
    let gens: CurrentGenerations;
    try {
      const [s, r] = await this.call(() => this.redis.mget<(string | null)[]>(target.surfaceGenKey, target.resourceGenKey));
      gens = { surface: s ?? GENERATION_ABSENT, resource: r ?? GENERATION_ABSENT };
    } catch {
      return { key: target.key, stored: false, status: 0, reason: 'redis_unavailable' };
    }
    let res: OriginResponse;
    try {
      res = await this.callOrigin(target);
    } catch {
      return { key: target.key, stored: false, status: 0, reason: 'origin_error' };
    }
    if (res.status >= 500) return { key: target.key, stored: false, status: res.status, reason: 'origin_error' };
    if (!isStorable(res)) return { key: target.key, stored: false, status: res.status, reason: 'not_storable' };
    const stored = await this.store(target, gens, res, undefined);
    return stored === 'stored'
      ? { key: target.key, stored: true, status: res.status }
      : { key: target.key, stored: false, status: res.status, reason: stored };
  }

  private route(method: string, req: CacheRequest): { route: string; run: (span: Span) => Promise<HttpResult> } {
    const path = req.path.split('?')[0] ?? '';
    const read = READ_ROUTE.exec(path);
    if (read) {
      return {
        route: '/c/{surface}/{path+}',
        run: (span) => (method === 'GET' || method === 'HEAD'
          ? this.read(req, method, read[1] as string, read[2] ?? '', span)
          : Promise.resolve(jsonError(405, 'method_not_allowed', `${method} is not allowed here; use GET or HEAD`, { allow: 'GET, HEAD' }))),
      };
    }
    if (path === '/healthz') return { route: path, run: async () => json(200, { status: 'ok' }) };
    if (path === '/readyz') return { route: path, run: () => this.ready() };
    if (path === '/debug/cache') return { route: path, run: () => this.debug(req) };
    return { route: 'unmatched', run: async () => jsonError(404, 'not_found', `no route for ${method} ${path.slice(0, 200)}`) };
  }

  // ---------------------------------------------------------------- read path

  private async read(req: CacheRequest, method: string, surfaceName: string, path: string, span: Span): Promise<HttpResult> {
    const deadline = this.clock() + this.requestTimeoutMs;
    const surface = this.surfaces.get(surfaceName);
    span.setAttribute('cache.namespace', surface ? surface.name : 'unknown');
    if (!surface) {
      return jsonError(404, 'unknown_surface', `surface "${surfaceName.slice(0, 64)}" is not configured; known: ${[...this.surfaces.keys()].join(', ')}`);
    }
    const headers = lowercaseHeaders(req.headers);
    let target: RequestTarget;
    try {
      target = this.targets.get(surface, path, req.query ?? {}, headers);
    } catch (e) {
      if (e instanceof KeyError) return jsonError(400, e.code, e.message);
      throw e;
    }
    const observed = this.observeRead({ surface: surface.name, path, query: req.query ?? {}, headers });
    const [decision, lookup] = this.opts.rateLimiter
      ? await Promise.all([this.rateLimit(surface, req, headers, span), this.lookup(target)])
      : [undefined, await this.lookup(target)];
    await observed;
    if (decision && !decision.allowed) return rateLimitedResponse(decision);

    const outcome = await this.decide(target, lookup, deadline);
    const xcache = outcome.kind === 'serve' ? outcome.served.xcache : outcome.xcache;
    span.setAttribute('cache.hit', xcache === 'HIT' || xcache === 'STALE');
    span.setAttribute('cache.status', xcache);
    this.countServed(surface.name, xcache, outcome.kind === 'serve' ? outcome.served.bypassReason : undefined);
    if (outcome.kind === 'origin_failed') {
      return jsonError(502, 'origin_unavailable', outcome.message, { ...decision?.headers, 'x-cache': outcome.xcache });
    }
    return buildResponse(outcome.served, { head: method === 'HEAD', ifNoneMatch: headers['if-none-match'], extraHeaders: decision?.headers });
  }

  private observeRead(read: ReadObservation): Promise<unknown> {
    try {
      return Promise.resolve(this.opts.onRead?.(read)).catch(() => undefined);
    } catch {
      return Promise.resolve();
    }
  }

  private async rateLimit(surface: SurfaceConfig, req: CacheRequest, headers: Record<string, string>, span: Span): Promise<RateLimitDecision | undefined> {
    if (!this.opts.rateLimiter) return undefined;
    span.setAttribute('rateLimit.bucket', surface.name);
    try {
      return await this.opts.rateLimiter.limitClient(surface.name, { ip: req.clientIp ?? 'unknown', apiKey: headers['x-api-key'] });
    } catch {
      // A misconfigured bucket must not take reads down; the limiter counts its own failures.
      return undefined;
    }
  }

  /** The single round trip of the hit path. Never rejects: a Redis failure is `ok: false`. */
  private async lookup(t: RequestTarget): Promise<Lookup> {
    const none: CurrentGenerations = { surface: GENERATION_ABSENT, resource: GENERATION_ABSENT };
    if (!this.breaker.allows()) return { ok: false, raw: null, gens: none, bypass: false };
    try {
      const [raw, s, r, bypass] = await this.call(() =>
        this.redis.mget<(string | null)[]>(t.key, t.surfaceGenKey, t.resourceGenKey, t.bypassKey));
      return { ok: true, raw: raw ?? null, gens: { surface: s ?? GENERATION_ABSENT, resource: r ?? GENERATION_ABSENT }, bypass: bypass != null };
    } catch {
      return { ok: false, raw: null, gens: none, bypass: false };
    }
  }

  private async decide(t: RequestTarget, lookup: Lookup, deadline: number): Promise<Outcome> {
    if (!lookup.ok) return this.bypass(t, 'redis_unavailable', deadline);
    if (lookup.bypass) return this.bypass(t, 'emergency', deadline);
    const entry = lookup.raw === null ? undefined : await this.usableEntry(t, lookup.raw, lookup.gens, true);
    const now = this.clock();
    if (entry) {
      const expiresAt = entry.storedAtMs + entry.ttlSeconds * 1000;
      if (now < expiresAt) {
        if (!this.refreshEarly(entry, now, expiresAt) || this.inflight.has(t.key)) {
          return { kind: 'serve', served: this.served(entry, 'HIT', now) };
        }
        return this.singleFlight(t.key, () => this.fill(t, lookup.gens, { entry, xcache: 'HIT' }, deadline));
      }
      if (now < expiresAt + entry.staleSeconds * 1000) {
        // Someone in this instance is already refreshing: serve stale now rather than wait for it.
        if (this.inflight.has(t.key)) return this.serveFallback({ entry, xcache: 'STALE' });
        return this.singleFlight(t.key, () => this.fill(t, lookup.gens, { entry, xcache: 'STALE' }, deadline));
      }
    }
    return this.singleFlight(t.key, () => this.fill(t, lookup.gens, undefined, deadline));
  }

  /** XFetch: refresh early with a probability that grows as expiry nears and with the origin's cost. */
  private refreshEarly(entry: Envelope, now: number, expiresAt: number): boolean {
    const beta = this.opts.xfetchBeta ?? 1;
    if (beta <= 0 || entry.originMs <= 0) return false;
    const rand = Math.min(1, Math.max(Number.MIN_VALUE, this.random()));
    return now - entry.originMs * beta * Math.log(rand) >= expiresAt;
  }

  /**
   * Decodes an entry and checks it was written under the current surface version and generations.
   * A corrupt entry is counted and deleted (`heal`), and reads as absent.
   */
  private async usableEntry(t: RequestTarget, raw: string, gens: CurrentGenerations, heal: boolean): Promise<Envelope | undefined> {
    let entry = this.decoded.get(t.key, raw);
    if (entry === undefined) {
      try {
        entry = decodeEnvelope(raw);
        this.decoded.set(t.key, raw, entry);
      } catch (e) {
        if (!(e instanceof CorruptEntryError)) throw e;
        this.decoded.delete(t.key);
        if (heal) {
          if (e.reason !== 'schema') this.metrics.increment('cache_corrupt_entries_total', { namespace: t.surface.name });
          this.metrics.increment('cache_evictions_total', { namespace: t.surface.name, reason: e.reason === 'schema' ? 'schema' : 'corrupt' });
          await this.call(() => this.redis.del(t.key)).catch(() => undefined);
        }
        return undefined;
      }
    }
    const current = this.registry.isCurrent(t.surface.name, entry.surfaceVersion)
      && entry.generations.surface === gens.surface && entry.generations.resource === gens.resource;
    return current ? entry : undefined;
  }

  /** Coalesces concurrent fills of one key in this instance. */
  private singleFlight(key: string, fn: () => Promise<Outcome>): Promise<Outcome> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** One caller in the fleet refreshes (refresh lock); the others serve what they have or wait. */
  private async fill(t: RequestTarget, gens: CurrentGenerations, fallback: Fallback | undefined, deadline: number): Promise<Outcome> {
    const token = newLockToken();
    let acquired: boolean;
    try {
      acquired = await this.call(() => tryAcquire(this.redis, t.lockKey, token, this.lockTtlMs(t.surface)));
    } catch {
      return fallback ? this.serveFallback(fallback) : this.bypass(t, 'redis_unavailable', deadline);
    }
    if (acquired) return this.refreshFromOrigin(t, gens, fallback, token, deadline);
    if (fallback) return this.serveFallback(fallback);
    const waited = await this.waitForOwner(t, gens, deadline);
    if (waited.kind === 'entry') return { kind: 'serve', served: this.served(waited.entry, 'HIT', this.clock()) };
    return this.refreshFromOrigin(t, gens, undefined, waited.kind === 'acquired' ? waited.token : undefined, deadline);
  }

  private serveFallback(f: Fallback): Outcome {
    return { kind: 'serve', served: this.served(f.entry, f.xcache, this.clock()) };
  }

  /**
   * Polls for the entry the lock owner is writing. Takes the lock itself when the owner is gone
   * without writing (failed, oversize); gives up at the deadline so a lost owner costs a bounded wait.
   */
  private async waitForOwner(t: RequestTarget, gens: CurrentGenerations, requestDeadline: number):
    Promise<{ kind: 'entry'; entry: Envelope } | { kind: 'acquired'; token: string } | { kind: 'gave_up' }> {
    const deadline = Math.min(requestDeadline, this.clock() + (this.opts.lockWaitMs ?? t.surface.originTimeoutMs + 500));
    let interval = this.opts.pollIntervalMs ?? 20;
    while (this.clock() < deadline) {
      await sleep(Math.max(1, Math.min(interval, deadline - this.clock())));
      interval = Math.min(interval * 1.5, 200);
      let raw: string | null | undefined;
      let lock: string | null | undefined;
      try {
        [raw, lock] = await this.call(() => this.redis.mget<(string | null)[]>(t.key, t.lockKey));
      } catch {
        return { kind: 'gave_up' };
      }
      if (raw) {
        const entry = await this.usableEntry(t, raw, gens, false);
        if (entry && this.clock() < entry.storedAtMs + entry.ttlSeconds * 1000) return { kind: 'entry', entry };
      }
      if (!lock) {
        const token = newLockToken();
        const got = await this.call(() => tryAcquire(this.redis, t.lockKey, token, this.lockTtlMs(t.surface))).catch(() => false);
        if (got) return { kind: 'acquired', token };
      }
    }
    return { kind: 'gave_up' };
  }

  private lockTtlMs(surface: SurfaceConfig): number {
    return surface.originTimeoutMs + 1000;
  }

  private async refreshFromOrigin(
    t: RequestTarget, gens: CurrentGenerations, fallback: Fallback | undefined, token: string | undefined, deadline: number,
  ): Promise<Outcome> {
    let res: OriginResponse;
    try {
      res = await this.callOrigin(t, deadline);
    } catch (e) {
      await this.releaseLock(t, token);
      return fallback ? this.serveFallback(fallback) : { kind: 'origin_failed', xcache: 'MISS', message: (e as Error).message };
    }
    if (res.status >= 500) {
      await this.releaseLock(t, token);
      return fallback
        ? this.serveFallback(fallback)
        : { kind: 'origin_failed', xcache: 'MISS', message: `the origin answered ${res.status} and no cached copy exists` };
    }
    if (!isStorable(res)) {
      await this.releaseLock(t, token);
      return { kind: 'serve', served: this.fromOrigin(t, res, 'MISS', false) };
    }
    // Served either way; an oversize answer or a failed write only means the next read misses too.
    await this.store(t, gens, res, token);
    return { kind: 'serve', served: this.fromOrigin(t, res, 'MISS', true) };
  }

  /** Stores the origin's answer and releases the lock in one pipeline; never throws. */
  private async store(t: RequestTarget, gens: CurrentGenerations, res: OriginResponse, token: string | undefined):
    Promise<'stored' | 'oversize' | 'redis_unavailable'> {
    const surface = t.surface;
    const { value } = encodeEnvelope({
      surfaceVersion: this.registry.current(surface.name),
      storedAtMs: this.clock(),
      ttlSeconds: surface.ttlSeconds,
      staleSeconds: surface.staleWhileRevalidateSeconds,
      generations: gens,
      originMs: res.durationMs,
      payload: this.payloadOf(surface, res),
    }, { compressAboveBytes: surface.compressAboveBytes });
    if (Buffer.byteLength(value) > this.opts.env.runtime.maxItemBytes) {
      this.metrics.increment('cache_evictions_total', { namespace: surface.name, reason: 'oversize' });
      await this.releaseLock(t, token);
      return 'oversize';
    }
    try {
      const p = this.redis.pipeline();
      p.set(t.key, value, { px: (surface.ttlSeconds + surface.staleWhileRevalidateSeconds) * 1000 });
      if (token) p.eval(RELEASE_SCRIPT, [t.lockKey], [token]);
      await this.call(() => p.exec());
      return 'stored';
    } catch {
      return 'redis_unavailable';
    }
  }

  private async releaseLock(t: RequestTarget, token: string | undefined): Promise<void> {
    if (!token) return;
    await this.call(() => this.redis.eval(RELEASE_SCRIPT, [t.lockKey], [token])).catch(() => undefined);
  }

  /** Straight to the origin, nothing read or written in Redis. */
  private async bypass(t: RequestTarget, reason: 'redis_unavailable' | 'emergency', deadline: number): Promise<Outcome> {
    let res: OriginResponse;
    try {
      res = await this.callOrigin(t, deadline);
    } catch (e) {
      return { kind: 'origin_failed', xcache: 'BYPASS', message: (e as Error).message };
    }
    if (res.status >= 500) return { kind: 'origin_failed', xcache: 'BYPASS', message: `the origin answered ${res.status}` };
    return { kind: 'serve', served: { ...this.fromOrigin(t, res, 'BYPASS', isStorable(res)), bypassReason: reason } };
  }

  /** The origin call, bounded by the surface's timeout and by what is left of the request's deadline. */
  private async callOrigin(t: RequestTarget, deadline = Number.POSITIVE_INFINITY): Promise<OriginResponse> {
    const namespace = t.surface.name;
    const timeoutMs = Math.max(1, Math.min(t.surface.originTimeoutMs, deadline - this.clock()));
    try {
      const res = await fetchOrigin(this.fetchFn, t.originUrl, t.originHeaders, timeoutMs, this.clock);
      this.metrics.increment('cache_origin_requests_total', { namespace, outcome: res.status >= 500 ? 'error' : 'success' });
      return res;
    } catch (e) {
      this.metrics.increment('cache_origin_requests_total', { namespace, outcome: e instanceof OriginError ? e.outcome : 'error' });
      throw e;
    }
  }

  private payloadOf(surface: SurfaceConfig, res: OriginResponse): CachedPayload {
    const headers: Record<string, string> = {};
    for (const name of surface.storedHeaders) {
      const v = res.headers[name];
      if (v !== undefined) headers[name] = v;
    }
    // A redirect is useless without its target, whatever the surface stores.
    if (res.status >= 300 && res.status < 400 && res.headers.location !== undefined) headers.location = res.headers.location;
    return { status: res.status, headers, body: res.body };
  }

  private fromOrigin(t: RequestTarget, res: OriginResponse, xcache: CacheStatus, storable: boolean): Served {
    const payload = this.payloadOf(t.surface, res);
    return {
      xcache,
      payload,
      etag: strongEtag(payload.body, payload.headers['content-type']),
      ageSeconds: 0,
      ttlSeconds: t.surface.ttlSeconds,
      staleSeconds: t.surface.staleWhileRevalidateSeconds,
      storable,
    };
  }

  private served(entry: Envelope, xcache: CacheStatus, now: number): Served {
    return {
      xcache,
      payload: entry.payload,
      etag: entry.etag,
      ageSeconds: Math.max(0, Math.floor((now - entry.storedAtMs) / 1000)),
      ttlSeconds: entry.ttlSeconds,
      staleSeconds: entry.staleSeconds,
      storable: true,
    };
  }

  private countServed(namespace: string, xcache: CacheStatus, bypassReason: string | undefined): void {
    if (xcache === 'HIT') this.metrics.increment('cache_hits_total', { namespace });
    else if (xcache === 'MISS') this.metrics.increment('cache_misses_total', { namespace });
    else if (xcache === 'STALE') this.metrics.increment('cache_stale_served_total', { namespace });
    else this.metrics.increment('cache_bypass_total', { namespace, reason: bypassReason ?? 'redis_unavailable' });
  }

  /** Every engine Redis call: timeout + circuit breaker. */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.breaker.run(fn);
  }

  // ---------------------------------------------------------------- health and debug

  private async ready(): Promise<HttpResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), this.redisTimeoutMs); }),
      ]);
      return json(200, { status: 'ready', circuit: this.breaker.state() });
    } catch {
      return jsonError(503, 'redis_unavailable', `Redis did not answer PING within ${this.redisTimeoutMs} ms`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async debug(req: CacheRequest): Promise<HttpResult> {
    if (req.method.toUpperCase() !== 'GET') return jsonError(405, 'method_not_allowed', 'use GET', { allow: 'GET' });
    if (!this.opts.adminAuth) return unauthorizedResponse('invalid');
    try {
      const auth = await this.opts.adminAuth.authenticate(req.headers);
      if (!auth.ok) return unauthorizedResponse(auth.reason);
    } catch {
      return jsonError(503, 'admin_auth_unavailable', 'the admin token source is unavailable');
    }
    const key = req.query?.key;
    if (!key) return jsonError(400, 'missing_key', 'query parameter "key" is required: /debug/cache?key=<env>:<surface>:<resource>:<variant>');
    let parts: ReturnType<typeof parseKey>;
    try {
      parts = parseKey(key);
    } catch (e) {
      return jsonError(400, 'bad_key', (e as Error).message);
    }
    if (parts.env !== this.opts.env.name) return jsonError(400, 'bad_key', `key belongs to environment "${parts.env}", this is "${this.opts.env.name}"`);
    let values: (string | null)[];
    try {
      values = await this.call(() => this.redis.mget<(string | null)[]>(key,
        surfaceGenerationKey(parts.env, parts.surface), resourceGenerationKey(parts.env, parts.surface, parts.resource),
        bypassFlagKey(parts.env, parts.surface)));
    } catch {
      return jsonError(503, 'redis_unavailable', 'Redis is unavailable');
    }
    const [raw, s, r, bypass] = values;
    const currentGenerations = { surface: s ?? GENERATION_ABSENT, resource: r ?? GENERATION_ABSENT };
    if (!raw) return jsonError(404, 'not_found', `no entry for key ${key}`);
    let entry: Envelope;
    try {
      entry = decodeEnvelope(raw);
    } catch (e) {
      return json(200, { key, corrupt: true, reason: e instanceof CorruptEntryError ? e.reason : 'unknown', storedBytes: Buffer.byteLength(raw) });
    }
    const now = this.clock();
    const expiresAt = entry.storedAtMs + entry.ttlSeconds * 1000;
    return json(200, {
      key,
      corrupt: false,
      schemaVersion: entry.schemaVersion,
      surfaceVersion: entry.surfaceVersion,
      currentSurfaceVersion: this.registry.current(parts.surface),
      generations: entry.generations,
      currentGenerations,
      valid: this.registry.isCurrent(parts.surface, entry.surfaceVersion)
        && entry.generations.surface === currentGenerations.surface && entry.generations.resource === currentGenerations.resource,
      storedAt: new Date(entry.storedAtMs).toISOString(),
      ageSeconds: Math.max(0, Math.floor((now - entry.storedAtMs) / 1000)),
      ttlSeconds: entry.ttlSeconds,
      staleSeconds: entry.staleSeconds,
      state: now < expiresAt ? 'fresh' : now < expiresAt + entry.staleSeconds * 1000 ? 'stale' : 'expired',
      originMs: entry.originMs,
      checksum: entry.checksum,
      etag: entry.etag,
      encoding: entry.encoding,
      storedBytes: Buffer.byteLength(raw),
      status: entry.payload.status,
      headers: entry.payload.headers,
      bodyBytes: entry.payload.body.byteLength,
      bypass: bypass != null,
    });
  }
}
