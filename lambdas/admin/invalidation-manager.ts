import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Redis } from '@upstash/redis';
import type { SurfaceConfig } from '../../config/types';
import type { InvalidationDatabases } from '../engine/cache-state';
import { bumpResourceGeneration, bumpSurfaceGeneration, deleteKeys, type BumpResult } from '../engine/invalidation';
import { buildKey, DEFAULT_VARIANT, KeyError, parseKey, resourceFromPath } from '../engine/keys';
import { NOOP_METRICS, type MetricsRecorder } from '../shared/metrics/recorder';
import { AdminError, RedisUnavailableError, UnknownSurfaceError } from './errors';
import { resolveEvent, type PathRef } from './events';
import { purgePrefix } from './prefix-purge';
import { allSettledOrThrow } from './settle';
import type { InvalidateRequest, InvalidationKind } from './requests';

/** A generation that was bumped: every entry written under the old one now reads as a miss. */
export interface BumpedGeneration {
  readonly scope: 'surface' | 'resource';
  readonly surface: string;
  /** Resource segment (resource scope only). */
  readonly resource?: string;
  readonly key: string;
  readonly generation: string;
}

/** What an invalidation did. Only returned when Redis confirmed every part of it. */
export interface InvalidationOutcome {
  readonly kind: InvalidationKind;
  /** Keys that existed and were removed. */
  readonly deleted: number;
  /** Exact keys asked for (keys and event invalidations). */
  readonly keys?: readonly string[];
  readonly bumped: readonly BumpedGeneration[];
  readonly event?: string;
  readonly data?: Readonly<Record<string, string>>;
  /** Event targets on surfaces this environment does not configure. */
  readonly skipped?: readonly string[];
  readonly prefix?: string;
  /** Prefix purge: matching keys found in this request. */
  readonly matched?: number;
  /** Prefix purge: true when keys may remain; call again with `cursor`. */
  readonly more?: boolean;
  readonly cursor?: string;
}

export interface PrefixPurgeLimits {
  /** Keys one request deletes at most before answering `more: true`. @default 5000 */
  readonly maxKeysPerRequest: number;
  /** `COUNT` hint of each `SCAN`. @default 1000 */
  readonly scanCount: number;
  /** `SCAN` calls per request. @default 200 */
  readonly maxScans: number;
  /** Time one request may spend scanning. @default 5000 */
  readonly budgetMs: number;
}

const DEFAULT_PREFIX_PURGE_LIMITS: PrefixPurgeLimits = { maxKeysPerRequest: 5000, scanCount: 1000, maxScans: 200, budgetMs: 5000 };

export interface CacheInvalidationManagerOptions {
  /** `@upstash/redis` client of the CACHE database (entries, generation mirrors). */
  readonly redis: Redis;
  /** Client of the GUARDRAILS database, where generations are authoritative. */
  readonly guardrails: Redis;
  /**
   * Clients of the further cache databases (`upstash.cacheShards`) by the surfaces they hold;
   * other surfaces live in `redis`. @default - one cache database
   */
  readonly cacheShards?: ReadonlyMap<string, Redis>;
  /** Environment name, the first key segment. */
  readonly env: string;
  readonly surfaces: readonly SurfaceConfig[];
  /** Counts `cache_invalidations_total{kind}` for every invalidation Redis confirmed. @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** @default DEFAULT_PREFIX_PURGE_LIMITS */
  readonly prefixPurge?: Partial<PrefixPurgeLimits>;
}

/**
 * Turns admin requests into invalidations: exact keys are deleted, surfaces and resources are bumped
 * in O(1), domain events go through the typed table in `events.ts`, and operator prefix purges run
 * as bounded `SCAN` + `UNLINK` batches. Bad input throws before Redis is touched; a Redis failure
 * throws `RedisUnavailableError`, so no partial work is ever reported as done.
 */
const tracer = trace.getTracer('cache-admin');

export class CacheInvalidationManager {
  private readonly surfaceNames: readonly string[];
  private readonly metrics: MetricsRecorder;
  private readonly limits: PrefixPurgeLimits;

  constructor(private readonly options: CacheInvalidationManagerOptions) {
    this.surfaceNames = options.surfaces.map((s) => s.name);
    this.metrics = options.metrics ?? NOOP_METRICS;
    this.limits = { ...DEFAULT_PREFIX_PURGE_LIMITS, ...options.prefixPurge };
  }

  /** Runs one invalidation in a `cache.invalidate` span carrying its kind, surface and outcome. */
  invalidate(request: InvalidateRequest): Promise<InvalidationOutcome> {
    return tracer.startActiveSpan('cache.invalidate', async (span) => {
      span.setAttribute('cache.invalidation.kind', request.kind);
      if (request.kind === 'surface') span.setAttribute('cache.namespace', request.surface);
      try {
        const outcome = await this.dispatch(request);
        span.setAttribute('cache.outcome', 'invalidated');
        span.setAttribute('cache.invalidation.deleted', outcome.deleted);
        span.setAttribute('cache.invalidation.bumped', outcome.bumped.length);
        const surfaces = [...new Set(outcome.bumped.map((b) => b.surface))];
        if (request.kind !== 'surface' && surfaces.length === 1) span.setAttribute('cache.namespace', surfaces[0] as string);
        return outcome;
      } catch (e) {
        span.setAttribute('cache.outcome', e instanceof RedisUnavailableError ? 'redis_unavailable' : 'refused');
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    });
  }

  private dispatch(request: InvalidateRequest): Promise<InvalidationOutcome> {
    switch (request.kind) {
      case 'keys':
        return this.invalidateKeys(request.keys);
      case 'prefix':
        return this.purgePrefix(request.prefix, request.cursor, request.limit);
      case 'event':
        return this.applyEvent(request.event, request.data);
      case 'surface':
        return this.bumpSurface(request.surface);
    }
  }

  /** Deletes exact entry keys of this environment (one `UNLINK`). */
  async invalidateKeys(keys: readonly string[]): Promise<InvalidationOutcome> {
    for (const key of keys) {
      const parts = parseKey(key);
      this.checkEnv(parts.env, `key ${JSON.stringify(key)}`);
      this.checkSurface(parts.surface);
    }
    const result = await this.redisCall('deleting keys', () => this.deleteEverywhere(keys));
    return this.counted({ kind: 'keys', deleted: result.deleted, keys, bumped: [] });
  }

  /** O(1) invalidation of a whole surface. */
  async bumpSurface(surface: string): Promise<InvalidationOutcome> {
    this.checkSurface(surface);
    const bump = await this.redisCall('bumping the surface generation', () => bumpSurfaceGeneration(this.databases(surface), this.options.env, surface));
    return this.counted({ kind: 'surface', deleted: 0, bumped: [bumped(bump, surface)] });
  }

  /** Applies a domain event: exact keys deleted, resource and surface generations bumped, together. */
  async applyEvent(event: string, data: unknown): Promise<InvalidationOutcome> {
    const resolved = resolveEvent(event, data);
    const skipped = new Set<string>();
    const configured = (ref: PathRef | string): boolean => {
      const surface = typeof ref === 'string' ? ref : ref.surface;
      if (this.surfaceNames.includes(surface)) return true;
      skipped.add(surface);
      return false;
    };
    const env = this.options.env;
    const keys = resolved.targets.keys
      .filter(configured)
      .map((ref) => buildKey({ env, surface: ref.surface, resource: resourceFromPath(ref.path), variant: DEFAULT_VARIANT }));
    const resources = resolved.targets.resources.filter(configured).map((ref) => ({ surface: ref.surface, resource: resourceFromPath(ref.path) }));
    const surfaces = resolved.targets.surfaces.filter(configured);
    // Issued in one tick: auto-pipelining sends them as one request per database, and all must succeed.
    const [deleted, ...bumps] = await this.redisCall(`applying ${resolved.event}`, () =>
      allSettledOrThrow([
        this.deleteEverywhere(keys),
        ...resources.map((r) => bumpResourceGeneration(this.databases(r.surface), env, r.surface, r.resource)),
        ...surfaces.map((s) => bumpSurfaceGeneration(this.databases(s), env, s)),
      ]),
    );
    const generations = [
      ...resources.map((r, i) => bumped(bumps[i] as BumpResult, r.surface, r.resource)),
      ...surfaces.map((s, i) => bumped(bumps[resources.length + i] as BumpResult, s)),
    ];
    return this.counted({
      kind: 'event',
      event: resolved.event,
      data: resolved.data,
      deleted: deleted.deleted,
      keys,
      bumped: generations,
      ...(skipped.size > 0 ? { skipped: [...skipped] } : {}),
    });
  }

  /**
   * Deletes keys starting with `prefix` (which must start with `<env>:<surface>:`), matched
   * literally whatever glob characters it holds, up to a bounded batch per call.
   */
  async purgePrefix(prefix: string, cursor = '0', limit?: number): Promise<InvalidationOutcome> {
    const [env, surface, ...rest] = prefix.split(':');
    this.checkEnv(env, `prefix ${JSON.stringify(prefix)}`);
    if (rest.length === 0) {
      throw new AdminError(400, 'bad_prefix', `prefix must start with <env>:<surface>: (for example "${env}:${this.surfaceNames[0] ?? 'marketing'}:"), got ${JSON.stringify(prefix)}`);
    }
    this.checkSurface(surface);
    const cap = Math.min(limit ?? this.limits.maxKeysPerRequest, this.limits.maxKeysPerRequest);
    const result = await this.redisCall('purging the prefix', () =>
      purgePrefix(this.cacheOf(surface), {
        prefix,
        cursor,
        limit: cap,
        // A SCAN batch is about COUNT keys: no larger than the cap, so the cap holds within one batch.
        scanCount: Math.min(this.limits.scanCount, cap),
        maxScans: this.limits.maxScans,
        budgetMs: this.limits.budgetMs,
      }),
    );
    return this.counted({
      kind: 'prefix',
      prefix,
      deleted: result.deleted,
      matched: result.matched,
      bumped: [],
      more: result.more,
      cursor: result.cursor,
    });
  }

  /** The cache database holding a surface's entries and generation mirrors. */
  private cacheOf(surface: string): Redis {
    return this.options.cacheShards?.get(surface) ?? this.options.redis;
  }

  private databases(surface: string): InvalidationDatabases {
    return { cache: this.cacheOf(surface), guardrails: this.options.guardrails };
  }

  /** `UNLINK`s each key in the cache database of its surface (one command per database). */
  private async deleteEverywhere(keys: readonly string[]): Promise<{ deleted: number }> {
    const byDatabase = new Map<Redis, string[]>();
    for (const key of keys) {
      const db = this.cacheOf(parseKey(key).surface);
      byDatabase.set(db, [...(byDatabase.get(db) ?? []), key]);
    }
    if (byDatabase.size === 0) return deleteKeys(this.options.redis, []);
    const results = await allSettledOrThrow([...byDatabase].map(([db, ks]) => deleteKeys(db, ks)));
    return { deleted: results.reduce((sum, r) => sum + r.deleted, 0) };
  }

  private checkEnv(env: string | undefined, what: string): void {
    if (env !== this.options.env) {
      throw new AdminError(400, 'wrong_environment', `${what} is not in environment "${this.options.env}": it must start with "${this.options.env}:"`);
    }
  }

  private checkSurface(surface: string | undefined): asserts surface is string {
    if (surface === undefined || !this.surfaceNames.includes(surface)) throw new UnknownSurfaceError(surface ?? '', this.surfaceNames);
  }

  private async redisCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof KeyError || error instanceof AdminError) throw error;
      throw new RedisUnavailableError(what, error);
    }
  }

  private counted(outcome: InvalidationOutcome): InvalidationOutcome {
    this.metrics.increment('cache_invalidations_total', { kind: outcome.kind === 'keys' ? 'key' : outcome.kind });
    return outcome;
  }
}

function bumped(result: BumpResult, surface: string, resource?: string): BumpedGeneration {
  return { scope: result.kind, surface, ...(resource ? { resource } : {}), key: result.key, generation: result.generation };
}
