/** `GET /readyz`: 200 when the cache database answers PING within the Redis timeout, else 503. */
import type { Redis } from '@upstash/redis';
import type { CircuitState } from '../engine/circuit-breaker';
import { json, jsonError, type HttpResult } from '../shared/http';

export async function readiness(redis: Redis, timeoutMs: number, circuit: CircuitState): Promise<HttpResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), timeoutMs); }),
    ]);
    return json(200, { status: 'ready', circuit });
  } catch {
    return jsonError(503, 'redis_unavailable', `Redis did not answer PING within ${timeoutMs} ms`);
  } finally {
    clearTimeout(timer);
  }
}
