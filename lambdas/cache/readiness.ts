/**
 * `GET /readyz`: 200 when every cache database (the default one and each of `upstash.cacheShards`)
 * answers PING within the Redis timeout, else 503 naming those that did not. The 200 names the
 * circuit of each (`circuits`) and, as before, the default database's (`circuit`).
 */
import type { Redis } from '@upstash/redis';
import type { CircuitState } from '../engine/circuit-breaker';
import { json, jsonError, type HttpResult } from '../shared/http';

/**
 * @param databases cache database clients by database label (`cache`, `cache-<id>`)
 * @param circuits the engines' circuits by the same labels
 */
export async function readiness(
  databases: ReadonlyMap<string, Redis>, timeoutMs: number, circuits: Readonly<Record<string, CircuitState>>,
): Promise<HttpResult> {
  const answered = await Promise.all([...databases].map(async ([name, redis]) => [name, await pings(redis, timeoutMs)] as const));
  const silent = answered.filter(([, ok]) => !ok).map(([name]) => name);
  if (silent.length === 0) return json(200, { status: 'ready', circuit: circuits.cache, circuits });
  return jsonError(503, 'redis_unavailable', `Redis did not answer PING within ${timeoutMs} ms (${silent.join(', ')})`);
}

async function pings(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), timeoutMs); }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
