/**
 * A local Upstash database for one test: the local REST server (real code, `local/upstash-server.ts`)
 * on an isolated logical database of the shared redis-server that jest's global setup started, plus a
 * real `@upstash/redis` client pointed at it.
 */
import { Redis } from '@upstash/redis';
import IORedis from 'ioredis';
import { startRedisServer, REDIS_INSTALL_HINT, type RedisProcess } from '../../local/redis-process';
import { startTcpProxy, type TcpProxy } from '../../local/tcp-proxy';
import { startUpstashServer, type LocalUpstashServer } from '../../local/upstash-server';
import { SHARED_REDIS_DATABASES, SHARED_REDIS_ERROR_ENV, SHARED_REDIS_URL_ENV } from './shared-redis-env';

export interface StartTestUpstashOptions {
  /** Own redis-server (db 0) instead of a database on the shared one, e.g. to kill or restart it. @default false */
  readonly dedicatedRedis?: boolean;
  /** Put a delaying TCP proxy between the local server and Redis (`proxy.setDelay(ms)`). @default false */
  readonly viaProxy?: boolean;
}

export interface TestUpstash {
  /** REST URL (`UPSTASH_REDIS_REST_URL`). */
  readonly url: string;
  /** Standard token at start (`server.token` follows `setTokens`). */
  readonly token: string;
  readonly readOnlyToken: string;
  readonly server: LocalUpstashServer;
  /** Real client with the standard token, `automaticDeserialization: false`. */
  readonly redis: Redis;
  /** The Redis database this test owns (for assertions straight against Redis). */
  readonly redisUrl: string;
  readonly db: number;
  /** Only with `dedicatedRedis`. */
  readonly redisProcess?: RedisProcess;
  /** Only with `viaProxy`. */
  readonly proxy?: TcpProxy;
  requestCount(): number;
  resetRequestCount(): void;
  /** Empties this test's database. */
  flush(): Promise<void>;
  /** Stops the server (and proxy, dedicated Redis) and returns the database for reuse. Idempotent. */
  stop(): Promise<void>;
}

const NEXT_DB_KEY = 'test-support:next-db';
const FREE_DBS_KEY = 'test-support:free-dbs';

/** Redis used when jest's global setup did not run (a script or another runner): one per process. */
let fallback: { process: Promise<RedisProcess>; users: number } | undefined;

async function sharedRedisUrl(): Promise<{ url: string; release: () => Promise<void> }> {
  const url = process.env[SHARED_REDIS_URL_ENV];
  if (url) return { url, release: async () => undefined };
  const setupError = process.env[SHARED_REDIS_ERROR_ENV];
  if (setupError) throw new Error(`the shared test redis-server could not start: ${setupError}`);
  if (!fallback) {
    const started = startRedisServer({ databases: SHARED_REDIS_DATABASES });
    fallback = { process: started, users: 0 };
    started.catch(() => { fallback = undefined; });
  }
  const holder = fallback;
  holder.users += 1;
  let redis: RedisProcess;
  try {
    redis = await holder.process;
  } catch (err) {
    throw new Error(`could not start redis-server for tests (${REDIS_INSTALL_HINT}): ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    url: redis.url,
    release: async () => {
      holder.users -= 1;
      if (holder.users === 0 && fallback === holder) {
        fallback = undefined;
        await redis.stop();
      }
    },
  };
}

function adminConnection(url: string, db: number): IORedis {
  const conn = new IORedis(url, { db, maxRetriesPerRequest: 1, retryStrategy: (times) => (times > 20 ? null : 100) });
  conn.on('error', () => undefined);
  return conn;
}

/** Takes a logical database no other test (in any jest worker) holds: a reused one, else a new one. */
async function allocateDb(allocator: IORedis): Promise<number> {
  const reused = await allocator.lpop(FREE_DBS_KEY);
  if (reused !== null) return Number(reused);
  const db = await allocator.incr(NEXT_DB_KEY);
  if (db >= SHARED_REDIS_DATABASES) {
    throw new Error(`all ${SHARED_REDIS_DATABASES - 1} test databases are in use: stop() every startTestUpstash() in afterAll`);
  }
  return db;
}

export async function startTestUpstash(opts: StartTestUpstashOptions = {}): Promise<TestUpstash> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async (): Promise<void> => {
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()?.();
      } catch {
        // keep cleaning up the rest
      }
    }
  };
  try {
    let redisUrl: string;
    let db = 0;
    let redisProcess: RedisProcess | undefined;
    if (opts.dedicatedRedis) {
      const started = await startRedisServer();
      redisProcess = started;
      redisUrl = started.url;
      cleanups.push(() => started.stop());
    } else {
      const shared = await sharedRedisUrl();
      cleanups.push(shared.release);
      redisUrl = shared.url;
      const allocator = adminConnection(redisUrl, 0);
      try {
        db = await allocateDb(allocator);
        const taken = db;
        cleanups.push(async () => {
          const conn = adminConnection(redisUrl, 0);
          try {
            await conn.select(taken);
            await conn.flushdb();
            await conn.select(0);
            await conn.rpush(FREE_DBS_KEY, String(taken));
          } finally {
            conn.disconnect();
          }
        });
      } finally {
        allocator.disconnect();
      }
    }
    const port = Number(new URL(redisUrl).port);
    const proxy = opts.viaProxy ? await startTcpProxy({ targetPort: port }) : undefined;
    if (proxy) cleanups.push(() => proxy.close());
    const server = await startUpstashServer({ redisUrl: proxy?.url ?? redisUrl, db });
    cleanups.push(() => server.close());
    const redis = new Redis({
      url: server.url,
      token: server.token,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      token: server.token,
      readOnlyToken: server.readOnlyToken,
      server,
      redis,
      redisUrl,
      db,
      redisProcess,
      proxy,
      requestCount: () => server.requestCount(),
      resetRequestCount: () => server.resetRequestCount(),
      async flush() {
        const conn = adminConnection(redisUrl, db);
        try {
          await conn.flushdb();
        } finally {
          conn.disconnect();
        }
      },
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
