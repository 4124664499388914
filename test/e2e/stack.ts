/**
 * The whole local platform for one end-to-end or fault test file: its own `redis-server` (so it can
 * be killed), optionally a delaying TCP proxy in front of it, a counting test origin for every
 * surface (through the documented `ORIGIN_<SURFACE>` overrides), and `startDevServer` — the code
 * `npm run dev` runs — on a free port. Direct Redis connections are for assertions only.
 */
import IORedis from 'ioredis';
import { environment } from '../../config/environments';
import type { EnvironmentConfig } from '../../config/types';
import { encodeEnvelope, decodeEnvelope } from '../../lambdas/engine/envelope';
import { requestTarget, type RequestTarget } from '../../lambdas/engine/request-target';
import { originOverrideVariable } from '../../lambdas/shared/runtime-environment';
import { startDevServer, type DevServer } from '../../local/dev-server';
import { startRedisServer, type RedisProcess } from '../../local/redis-process';
import { startTcpProxy, type TcpProxy } from '../../local/tcp-proxy';
import { startOrigin, type Origin, type OriginHandler } from '../support/origin';

export const ADMIN_TOKEN = 'e2e-admin-token-5f0c1d2e3a4b6c7d8e9f0a';
/** Token of `/metrics` and `/debug/cache` (its own kind: an admin token is refused there). */
export const METRICS_TOKEN = 'e2e-metrics-token-0a9b8c7d6e5f4a3b2c1d';
/** Token of reads when `READ_REQUIRES_AUTH` (its own kind: refused on admin routes). */
export const READ_TOKEN = 'e2e-read-token-1b2c3d4e5f6a7b8c9d0e1f2a';
/**
 * Extra valid admin tokens (`ADMIN_TOKEN` takes a comma-separated list, as during a rotation
 * overlap). The admin rate limit (60 a minute) is per token, so a long table spreads over these.
 */
export const SPARE_ADMIN_TOKENS: readonly string[] = Array.from({ length: 8 }, (_, i) => `e2e-admin-token-spare-${i}-9d8c7b6a5f4e3d2c1b`);
/** The dev server serves the cache database on db 0 and the guardrails database on db 1. */
const CACHE_DB = 0;
const GUARDRAILS_DB = 1;

export interface StackOptions {
  /** Put a delaying TCP proxy between the local Upstash servers and Redis. @default false */
  readonly viaProxy?: boolean;
  readonly originHandler?: OriginHandler;
  /** Extra environment of the functions, e.g. `READ_REQUIRES_AUTH`. @default - none */
  readonly env?: NodeJS.ProcessEnv;
  /** The typed config the functions run with. @default - the `dev` environment */
  readonly config?: EnvironmentConfig;
}

/**
 * `config` with every surface's rate-limit decision given the longest timeout the config allows.
 * A decision that times out fails open, by design; a test that counts decisions exactly must not
 * depend on a 200 ms timeout holding on a busy machine (redis-server waits for a core there too).
 */
export function withPatientRateLimits(config: EnvironmentConfig): EnvironmentConfig {
  return { ...config, surfaces: config.surfaces.map((s) => ({ ...s, rateLimit: { ...s.rateLimit, timeoutMs: 5_000 } })) };
}

export interface Stack {
  readonly url: string;
  /** The first valid admin token. */
  readonly adminToken: string;
  readonly metricsToken: string;
  readonly readToken: string;
  /** Every valid admin token: `adminToken` and `SPARE_ADMIN_TOKENS`. */
  readonly adminTokens: readonly string[];
  readonly dev: DevServer;
  readonly redis: RedisProcess;
  readonly proxy?: TcpProxy;
  readonly origin: Origin;
  /** Straight to Redis, for assertions: the cache database. */
  readonly cacheDb: IORedis;
  /** Straight to Redis, for assertions: the guardrails database. */
  readonly guardrailsDb: IORedis;
  /** What `/c/{surface}/{path}` maps to (key, lock key, generation keys). */
  target(surface: string, path: string, query?: Record<string, string>, headers?: Record<string, string>): RequestTarget;
  /** Rewrites a stored entry as if it had been written `ageSeconds` ago (same codec, same TTL). */
  age(key: string, ageSeconds: number): Promise<void>;
  close(): Promise<void>;
}

function directConnection(url: string, db: number): IORedis {
  const conn = new IORedis(url, { db, maxRetriesPerRequest: 1, lazyConnect: false, retryStrategy: (n) => (n > 50 ? null : 100) });
  conn.on('error', () => undefined); // the fault tests kill Redis under it
  return conn;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
  };
  try {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const proxy = opts.viaProxy ? await startTcpProxy({ targetPort: redis.port }) : undefined;
    if (proxy) cleanups.push(() => proxy.close());
    const origin = await startOrigin(opts.originHandler);
    cleanups.push(() => origin.close());
    const config = opts.config ?? environment('dev');
    const adminTokens = [ADMIN_TOKEN, ...SPARE_ADMIN_TOKENS];
    const env: NodeJS.ProcessEnv = { ADMIN_TOKEN: adminTokens.join(','), METRICS_TOKEN, READ_TOKEN, ...opts.env };
    for (const s of config.surfaces) env[originOverrideVariable(s.name)] = `${origin.url}/${s.name}`;
    const dev = await startDevServer({ port: 0, redisUrl: proxy?.url ?? redis.url, env, config });
    cleanups.push(() => dev.close());
    const cacheDb = directConnection(redis.url, CACHE_DB);
    const guardrailsDb = directConnection(redis.url, GUARDRAILS_DB);
    cleanups.push(async () => cacheDb.disconnect(), async () => guardrailsDb.disconnect());
    const surfaces = new Map(config.surfaces.map((s) => [s.name, { ...s, originUrl: `${origin.url}/${s.name}` }]));

    return {
      url: dev.url,
      adminToken: ADMIN_TOKEN,
      metricsToken: METRICS_TOKEN,
      readToken: READ_TOKEN,
      adminTokens,
      dev,
      redis,
      proxy,
      origin,
      cacheDb,
      guardrailsDb,
      target(surface, path, query = {}, headers = {}) {
        const config = surfaces.get(surface);
        if (!config) throw new Error(`no surface ${surface}`);
        return requestTarget('dev', config, path, query, headers);
      },
      async age(key, ageSeconds) {
        const raw = await cacheDb.get(key);
        if (raw === null) throw new Error(`no entry at ${key} to age`);
        const entry = decodeEnvelope(raw);
        const ttlMs = await cacheDb.pttl(key);
        const { value } = encodeEnvelope({ ...entry, storedAtMs: entry.storedAtMs - ageSeconds * 1000 });
        await cacheDb.set(key, value, 'PX', Math.max(ttlMs, 1000));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Every key of a database with its value and whether it expires: a snapshot to compare. */
export async function snapshot(db: IORedis, exclude: RegExp = /^$/): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let cursor = '0';
  do {
    const [next, keys] = await db.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      if (exclude.test(key)) continue;
      const type = await db.type(key);
      const value = type === 'string' ? await db.get(key)
        : type === 'hash' ? JSON.stringify(await db.hgetall(key))
          : type === 'zset' ? JSON.stringify(await db.zrange(key, 0, -1, 'WITHSCORES'))
            : type === 'list' ? JSON.stringify(await db.lrange(key, 0, -1))
              : type === 'set' ? JSON.stringify((await db.smembers(key)).sort())
                : type;
      out[key] = `${type}:${value}`;
    }
  } while (cursor !== '0');
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
