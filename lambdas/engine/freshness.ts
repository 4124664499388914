/**
 * The one rule for "is this entry current" and how fresh it is. Every path that decides whether a
 * stored entry may be served (hit, waiting for another caller's refresh, `/debug/cache`) asks here.
 */
import type { Envelope, Generations } from './envelope';
import type { VersionRegistry } from './version-registry';

/** Written under the surface's current version and under both generations read now. */
export function isCurrent(entry: Envelope, surface: string, generations: Generations, registry: VersionRegistry): boolean {
  return registry.isCurrent(surface, entry.surfaceVersion)
    && entry.generations.surface === generations.surface
    && entry.generations.resource === generations.resource;
}

export type Freshness = 'fresh' | 'stale' | 'expired';

export function expiresAtMs(entry: Envelope): number {
  return entry.storedAtMs + entry.ttlSeconds * 1000;
}

/** `fresh` until the TTL ends, `stale` within the stale-while-revalidate window, then `expired`. */
export function freshnessOf(entry: Envelope, nowMs: number): Freshness {
  const expiresAt = expiresAtMs(entry);
  if (nowMs < expiresAt) return 'fresh';
  return nowMs < expiresAt + entry.staleSeconds * 1000 ? 'stale' : 'expired';
}

/**
 * XFetch (`now - delta * beta * ln(rand) >= expiry`): refresh a fresh entry early with a probability
 * that grows as expiry nears and with what the origin cost (`originMs`). `rand` is uniform in (0, 1].
 */
export function refreshEarly(entry: Envelope, nowMs: number, beta: number, rand: number): boolean {
  if (beta <= 0 || entry.originMs <= 0) return false;
  const r = Math.min(1, Math.max(Number.MIN_VALUE, rand));
  return nowMs - entry.originMs * beta * Math.log(r) >= expiresAtMs(entry);
}

export function ageSeconds(entry: Envelope, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - entry.storedAtMs) / 1000));
}
