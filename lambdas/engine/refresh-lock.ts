/**
 * The distributed refresh lock: one caller in the fleet refreshes an entry. `SET NX PX` with a
 * random owner token; released by compare-and-delete in Lua so a caller whose lock expired can
 * never delete the next owner's lock. The lock lives in the cache database: if it is evicted the
 * cost is one extra origin call, never a wrong answer.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from '@upstash/redis';

/** Deletes KEYS[1] only when it still holds ARGV[1] (the owner's token). */
export const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export function newLockToken(): string {
  return randomBytes(12).toString('base64url');
}

/** True when the lock was taken for `ttlMs`. */
export async function tryAcquire(redis: Redis, lockKey: string, token: string, ttlMs: number): Promise<boolean> {
  const res = await redis.set(lockKey, token, { nx: true, px: Math.max(1, Math.ceil(ttlMs)) });
  return res === 'OK';
}
