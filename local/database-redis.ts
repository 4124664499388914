/**
 * The Redis behind the dev server's two databases: an existing one (`REDIS_URL`), one new
 * redis-server for both, or, when the cache database must evict like Upstash's, two: the cache
 * database's with `maxmemory` and a random eviction policy, the guardrails database's with `noeviction`.
 */
import type { EvictionSettings } from './eviction';
import { startRedisServer, type RedisProcess } from './redis-process';

/**
 * Stops what it started through `cleanups` (pushed in start order); `started` receives each
 * redis-server it starts (fault drills stop and restart them).
 */
export async function startDatabaseRedis(
  existing: string | undefined, eviction: EvictionSettings | undefined, stack: (() => Promise<unknown>)[], started: RedisProcess[] = [],
): Promise<{ cache: string; guardrails: string }> {
  if (existing && eviction) {
    throw new Error('--cache-maxmemory starts its own redis-servers (the guardrails database must not evict): unset REDIS_URL');
  }
  if (existing) return { cache: existing, guardrails: existing };
  const start = async (opts: Parameters<typeof startRedisServer>[0]): Promise<string> => {
    const redis: RedisProcess = await startRedisServer(opts);
    started.push(redis);
    stack.push(() => redis.stop());
    return redis.url;
  };
  if (!eviction) {
    const url = await start({});
    return { cache: url, guardrails: url };
  }
  const [cache, guardrails] = await Promise.all([
    start({ maxmemory: eviction.maxmemory, evictionPolicy: eviction.policy }),
    start({ evictionPolicy: 'noeviction' }),
  ]);
  return { cache, guardrails };
}
