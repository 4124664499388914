/** The engine's public shapes: its options, what a read takes, what `refresh` and `inspect` return. */
import type { Redis } from '@upstash/redis';
import type { DatabaseLabel } from '../../contracts/database-roles';
import type { EnvironmentConfig } from '../../config/types';
import type { RateLimiterManager } from '../guardrails/rate-limiter';
import type { Headers } from '../shared/http';
import type { MetricsRecorder } from '../shared/metrics/recorder';
import type { CircuitBreakerOptions } from './circuit-breaker';
import type { Envelope, Generations } from './envelope';
import type { Freshness } from './freshness';
import type { FetchFn } from './origin';
import type { VersionRegistry } from './version-registry';

/** A read of `GET|HEAD /c/{surface}/{path}`, routed by the cache function. */
export interface ReadRequest {
  readonly method: 'GET' | 'HEAD';
  readonly surface: string;
  /** Path below the surface, e.g. `blog/hello-world`. */
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

/** Where the engine records what it decided (`cache.hit`, `cache.namespace`, ...): the request's span. */
export interface ReadTrace {
  setAttribute(name: string, value: string | boolean): unknown;
}

export interface CacheEngineOptions {
  /** Environment name (first key segment), surfaces and runtime limits. */
  readonly env: Pick<EnvironmentConfig, 'name' | 'surfaces' | 'runtime'>;
  /** Client of the cache database (entries, generation and flag mirrors, refresh locks). */
  readonly redis: Redis;
  /**
   * Client of the guardrails database, where generations and bypass flags are authoritative; read
   * only when a mirror in the cache database is missing (`cache-state.ts`).
   */
  readonly guardrails: Redis;
  /**
   * Rate limiter on the guardrails database: checked in parallel with the lookup, or for a surface
   * whose policy is `origin-bound`, after it and only for reads that may reach the origin.
   * @default - no limiting
   */
  readonly rateLimiter?: Pick<RateLimiterManager, 'limitClient'> & Partial<Pick<RateLimiterManager, 'limitHit'>>;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** The cache database `redis` is, as the metrics call it (the `database` of `cache_writes_total`). @default 'cache' */
  readonly database?: DatabaseLabel;
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
  readonly reason?: 'origin_error' | 'not_storable' | 'oversize' | 'redis_unavailable' | 'superseded';
}

/** What `/debug/cache` shows of one stored entry. */
export type EntryInspection =
  | { readonly key: string; readonly corrupt: true; readonly reason: string; readonly storedBytes: number }
  | {
    readonly key: string;
    readonly corrupt: false;
    readonly entry: Envelope;
    readonly currentSurfaceVersion: number;
    readonly currentGenerations: Generations;
    readonly valid: boolean;
    readonly ageSeconds: number;
    readonly state: Freshness;
    readonly storedBytes: number;
    readonly bypass: boolean;
  };

