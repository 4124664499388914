/**
 * Invalidation primitives the admin endpoint, the CLI and the engine share. Each costs a constant
 * number of Redis commands per target whatever the number of entries (O(1)).
 *
 * Generations and bypass flags are authoritative in the never-evicting guardrails database; the
 * cache database holds mirrors the hit path reads (`cache-state.ts`). Every change writes the
 * guardrails database first, then deletes the mirror and its fill mark in one command, and only
 * then returns (the acknowledgement): so no eviction or loss of cache keys can undo it
 * (docs/invariants.md).
 *
 * A bump SETs a fresh unique value instead of INCR, so a value can never come back (no ABA).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import type { InvalidationDatabases } from './cache-state';
import { authoritativeKey, bypassFlagKey, fillMarkKey, lockKeyOf, parseKey, resourceGenerationKey, surfaceGenerationKey, surfaceStateKey } from './keys';

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

/**
 * Deletes exact entry keys (validated with `parseKey`, so nothing else can be deleted) and, first,
 * their refresh locks: a refresh in flight stores only while it holds its lock, so a body fetched
 * before this delete is never stored after it. Two `UNLINK`s in one pipeline, in that order.
 */
export async function deleteKeys(redis: Redis, keys: readonly string[]): Promise<DeleteResult> {
  const locks = keys.map((k) => lockKeyOf(parseKey(k)));
  if (keys.length === 0) return { kind: 'keys', requested: 0, deleted: 0 };
  const p = redis.pipeline();
  p.unlink(...locks);
  p.unlink(...keys);
  const [, deleted] = await p.exec<[number, number]>();
  return { kind: 'keys', requested: keys.length, deleted };
}

/** Drops mirrors and their fill marks in one command: a reader mid-repair then writes nothing. */
async function dropMirrors(cache: Redis, mirrorKeys: readonly string[]): Promise<void> {
  await cache.del(...mirrorKeys, ...mirrorKeys.map(fillMarkKey));
}

export interface BumpResult {
  readonly kind: 'surface' | 'resource';
  readonly key: string;
  readonly generation: string;
}

/**
 * Sets a fresh generation under `key` (the generation's name) and drops the `mirrors` carrying it.
 * Beside the mirror the hit path reads, a surface change also drops the mirror its name was in the
 * release before the surface state mirror (`keys.ts`): instances of that release, still serving
 * during a rolling deploy, read it.
 */
async function bump(dbs: InvalidationDatabases, key: string, mirrors: readonly string[]): Promise<string> {
  const generation = newGeneration();
  await dbs.guardrails.set(authoritativeKey(key), generation);
  await dropMirrors(dbs.cache, mirrors);
  return generation;
}

export async function bumpSurfaceGeneration(dbs: InvalidationDatabases, env: string, surface: string): Promise<BumpResult> {
  const key = surfaceGenerationKey(env, surface);
  return { kind: 'surface', key, generation: await bump(dbs, key, [surfaceStateKey(env, surface), key]) };
}

export async function bumpResourceGeneration(dbs: InvalidationDatabases, env: string, surface: string, resource: string): Promise<BumpResult> {
  const key = resourceGenerationKey(env, surface, resource);
  return { kind: 'resource', key, generation: await bump(dbs, key, [key]) };
}

export interface BypassState {
  readonly key: string;
  readonly enabled: boolean;
  /** Seconds until the flag expires by itself; 0 when disabled. */
  readonly ttlSeconds: number;
}

export const MAX_BYPASS_TTL_SECONDS = 7 * 86_400;

/** Emergency bypass of a surface; an enabled flag always expires by itself. */
export async function setBypass(dbs: InvalidationDatabases, env: string, surface: string, enabled: boolean, ttlSeconds: number): Promise<BypassState> {
  const key = bypassFlagKey(env, surface);
  if (enabled && (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_BYPASS_TTL_SECONDS)) {
    throw new RangeError(`ttlSeconds must be an integer between 1 and ${MAX_BYPASS_TTL_SECONDS}, got ${ttlSeconds}`);
  }
  if (enabled) await dbs.guardrails.set(authoritativeKey(key), '1', { ex: ttlSeconds });
  else await dbs.guardrails.del(authoritativeKey(key));
  // The surface state mirror, and the flag's own mirror of the release before it (see `bump`).
  await dropMirrors(dbs.cache, [surfaceStateKey(env, surface), key]);
  return enabled ? { key, enabled: true, ttlSeconds } : { key, enabled: false, ttlSeconds: 0 };
}

/** The bypass state, from the guardrails database (the authoritative flag). */
export async function getBypass(guardrails: Redis, env: string, surface: string): Promise<BypassState> {
  const key = bypassFlagKey(env, surface);
  const ttl = await guardrails.ttl(authoritativeKey(key));
  // -2: no key; -1: a flag without expiry (not written by setBypass) still counts as enabled.
  return ttl === -2 ? { key, enabled: false, ttlSeconds: 0 } : { key, enabled: true, ttlSeconds: Math.max(ttl, 0) };
}
