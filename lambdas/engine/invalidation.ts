/**
 * Invalidation primitives the admin endpoint, the CLI and the engine share. Each costs one Redis
 * command per target whatever the number of entries (O(1)).
 *
 * A bump SETs a fresh unique value instead of INCR: the cache database evicts, and an INCR on an
 * evicted counter would restart at 1 and could match entries written under the old 1 (ABA).
 * A missing generation reads as `GENERATION_ABSENT`, which no entry is written under once a
 * bump happened, so eviction of a generation key can only cause extra misses, never stale hits.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { bypassFlagKey, parseKey, resourceGenerationKey, surfaceGenerationKey } from './keys';

/** Value a generation has when its key does not exist (never bumped, or evicted). */
export const GENERATION_ABSENT = '0';

/** A fresh generation value: time-ordered for humans, random so it can never repeat. */
export function newGeneration(nowMs: number = Date.now()): string {
  return `${nowMs.toString(36)}-${randomBytes(6).toString('hex')}`;
}

export interface DeleteResult {
  readonly kind: 'keys';
  readonly requested: number;
  /** Keys that existed and were removed. */
  readonly deleted: number;
}

/** Deletes exact entry keys (validated with `parseKey`, so nothing else can be deleted). One `UNLINK`. */
export async function deleteKeys(redis: Redis, keys: readonly string[]): Promise<DeleteResult> {
  keys.forEach((k) => parseKey(k));
  if (keys.length === 0) return { kind: 'keys', requested: 0, deleted: 0 };
  const deleted = await redis.unlink(...keys);
  return { kind: 'keys', requested: keys.length, deleted };
}

export interface BumpResult {
  readonly kind: 'surface' | 'resource';
  readonly key: string;
  readonly generation: string;
}

export async function bumpSurfaceGeneration(redis: Redis, env: string, surface: string): Promise<BumpResult> {
  const key = surfaceGenerationKey(env, surface);
  const generation = newGeneration();
  await redis.set(key, generation);
  return { kind: 'surface', key, generation };
}

export async function bumpResourceGeneration(redis: Redis, env: string, surface: string, resource: string): Promise<BumpResult> {
  const key = resourceGenerationKey(env, surface, resource);
  const generation = newGeneration();
  await redis.set(key, generation);
  return { kind: 'resource', key, generation };
}

export interface BypassState {
  readonly key: string;
  readonly enabled: boolean;
  /** Seconds until the flag expires by itself; 0 when disabled. */
  readonly ttlSeconds: number;
}

export const MAX_BYPASS_TTL_SECONDS = 7 * 86_400;

/** Emergency bypass of a surface; an enabled flag always expires by itself. */
export async function setBypass(redis: Redis, env: string, surface: string, enabled: boolean, ttlSeconds: number): Promise<BypassState> {
  const key = bypassFlagKey(env, surface);
  if (!enabled) {
    await redis.del(key);
    return { key, enabled: false, ttlSeconds: 0 };
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_BYPASS_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer between 1 and ${MAX_BYPASS_TTL_SECONDS}, got ${ttlSeconds}`);
  }
  await redis.set(key, '1', { ex: ttlSeconds });
  return { key, enabled: true, ttlSeconds };
}

export async function getBypass(redis: Redis, env: string, surface: string): Promise<BypassState> {
  const key = bypassFlagKey(env, surface);
  const ttl = await redis.ttl(key);
  // -2: no key; -1: a flag without expiry (not written by setBypass) still counts as enabled.
  return ttl === -2 ? { key, enabled: false, ttlSeconds: 0 } : { key, enabled: true, ttlSeconds: Math.max(ttl, 0) };
}
