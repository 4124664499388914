/**
 * Jest global setup: starts ONE shared redis-server with many logical databases; every
 * `startTestUpstash()` call then takes its own database on it (see `./upstash.ts`).
 */
import { startRedisServer, type RedisProcess } from '../../local/redis-process';
import { SHARED_REDIS_DATABASES, SHARED_REDIS_ERROR_ENV, SHARED_REDIS_URL_ENV } from './shared-redis-env';

export interface GlobalWithRedis {
  __sharedTestRedis?: RedisProcess;
}

export default async function globalSetup(): Promise<void> {
  try {
    const redis = await startRedisServer({ databases: SHARED_REDIS_DATABASES });
    (globalThis as GlobalWithRedis).__sharedTestRedis = redis;
    // Workers are forked after global setup and inherit this environment.
    process.env[SHARED_REDIS_URL_ENV] = redis.url;
  } catch (err) {
    // Tests without Redis still run; those that need it fail with this message (see upstash.ts).
    process.env[SHARED_REDIS_ERROR_ENV] = err instanceof Error ? err.message : String(err);
  }
}
