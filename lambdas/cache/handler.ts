/**
 * The cache function: API Gateway HTTP API (payload 2.0) in, `CacheRouter` (routes, health, debug,
 * metrics; `cache-router.ts`) around `CacheEngine` (`lambdas/engine/`) out.
 *
 * Environment:
 * - `CACHE_ENV` (`dev` | `staging` | `prod`, default `dev`) picks the typed config.
 * - In AWS: `UPSTASH_CACHE_SECRET_ID`, `UPSTASH_GUARDRAILS_SECRET_ID`, `READ_TOKEN_SECRET_ID` and
 *   `METRICS_TOKEN_SECRET_ID` name the Secrets Manager secrets, read through the cached reader (a 401
 *   refreshes them). This function cannot read the admin token.
 * - Locally, instead: `UPSTASH_REDIS_REST_URL` / `_TOKEN` (cache database),
 *   `UPSTASH_GUARDRAILS_REST_URL` / `_TOKEN` (guardrails database: authoritative generations and
 *   bypass flags, rate limits, metrics), `READ_TOKEN` and `METRICS_TOKEN`.
 * - `ORIGIN_<SURFACE>` overrides a surface's origin URL; the metrics token guards `/debug/cache` and
 *   `/metrics` (`METRICS_PUBLIC=true` opens the latter); `READ_REQUIRES_AUTH=true` asks the read path
 *   `/c/...` for a read token; `MAX_INFLIGHT` bounds concurrent requests.
 * - `METRICS_FLUSH_INTERVAL_MS` (default 5000) bounds what a frozen instance can lose; the counts
 *   of the warmup's popular list ride in the same flush.
 */
import type { Redis } from '@upstash/redis';
import type { DatabaseLabel } from '../../contracts/database-roles';
import { cacheDatabases } from '../../config/cache-databases';
import { CacheEngine } from '../engine/cache-engine';
import { CacheEngines } from './cache-engines';
import { FunctionContext, type FunctionContextOptions } from '../bootstrap/function-context';
import { TokenAuthenticator, readRequiresAuth } from '../guardrails/token-auth';
import { InflightLimiter, backpressureSettings } from '../guardrails/backpressure';
import { policiesForEnvironment } from '../guardrails/rate-limit-policies';
import { RateLimiterManager } from '../guardrails/rate-limiter';
import { clientIp, queryOf, type HttpEvent, type HttpResult } from '../shared/http';
import { PopularRequests } from '../maintenance/popular-requests';
import { httpHandler } from '../shared/per-container';
import { CacheRouter } from './cache-router';

/** See FunctionContextOptions. */
export type CacheFunctionOptions = FunctionContextOptions;

export type CacheFunction = (event: HttpEvent) => Promise<HttpResult>;

/** Builds the function once per container: clients, limiter, engine. */
export async function createCacheFunction(opts: CacheFunctionOptions = {}): Promise<CacheFunction> {
  const ctx = new FunctionContext('cache', opts);
  const { config, metrics, variables } = ctx;
  const timeoutMs = config.runtime.redisTimeoutMs;
  // Every variable is read before the databases are reached, so a bad one is the error reported.
  const limits = backpressureSettings(config.runtime, ctx.env);
  const readsRequireToken = readRequiresAuth(ctx.env);
  const metricsPublic = variables.flag('METRICS_PUBLIC');
  const redis = await ctx.database('cache');
  // Generations and bypass flags are authoritative there; also rate limits, metrics, popularity.
  const guardrails = await ctx.database('guardrails');
  const readAuth = new TokenAuthenticator({ tokens: ctx.tokens('read'), kind: 'read', metrics });
  const metricsAuth = new TokenAuthenticator({ tokens: ctx.tokens('metrics'), kind: 'metrics', metrics });
  const popular = new PopularRequests({ redis: guardrails, env: config, recorder: metrics });
  const rateLimiter = new RateLimiterManager({ redis: guardrails, env: config.name, policies: policiesForEnvironment(config), metrics });
  // One engine per cache database; surfaces of `upstash.cacheShards` read from their own.
  const engineOn = (cache: Redis, database: DatabaseLabel, surfaces = config.surfaces): CacheEngine => new CacheEngine({
    env: { ...config, surfaces },
    redis: cache,
    database,
    guardrails,
    requestTimeoutMs: limits.requestTimeoutMs,
    // The client times out every request itself (redisTimeoutMs); the breaker only counts failures.
    breaker: { timeoutMs: 0 },
    metrics,
    // Counted in memory, then flushed when due (with this read's count) in the rate-limit check's
    // tick, so auto-pipelining sends both in one request.
    onRead: (read) => {
      popular.record({ surface: read.surface, path: read.path, query: definedOnly(read.query), headers: read.headers });
      return metrics.flushIfDue(guardrails);
    },
    rateLimiter,
  });
  const shardClients = await ctx.cacheShardDatabases();
  const shardEngines = new Map<string, CacheEngine>();
  const shardRedis = new Map<string, Redis>();
  for (const db of cacheDatabases(config).filter((d) => d.shardId !== undefined)) {
    const client = shardClients.get(db.surfaces[0] as string) as Redis;
    const engine = engineOn(client, db.label, config.surfaces.filter((s) => db.surfaces.includes(s.name)));
    for (const surface of db.surfaces) shardEngines.set(surface, engine);
    shardRedis.set(db.label, client);
  }
  const router = new CacheRouter({
    engine: new CacheEngines(engineOn(redis, 'cache'), shardEngines),
    cacheRedis: redis,
    cacheShardRedis: shardRedis,
    redisTimeoutMs: timeoutMs,
    readAuth,
    metricsAuth,
    readsRequireToken,
    metricsPublic,
    guardrails,
    inflight: new InflightLimiter({ maxInflight: limits.maxInflight, metrics }),
    afterNonRead: () => metrics.flushIfDue(guardrails),
    metrics,
  });

  return (event) => router.handle({
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? '/',
    query: queryOf(event),
    headers: event.headers,
    clientIp: clientIp(event),
  });
}

function definedOnly(query: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
}

export const handler = httpHandler('cache', () => createCacheFunction());
