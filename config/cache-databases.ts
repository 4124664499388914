/**
 * Which cache database holds a surface's entries: the default `upstash.cache`, or the shard of
 * `upstash.cacheShards` that claims the surface (the scale-out path). The stacks, the functions
 * and the tools all ask here, so they agree.
 */
import type { DatabaseLabel } from '../contracts/database-roles';
import type { EnvironmentConfig, UpstashDatabaseConfig } from './types';

export interface CacheDatabase {
  /** The shard id; undefined for the default cache database. */
  readonly shardId?: string;
  /** What the metrics call it: `cache`, or `cache-<shard id>`. */
  readonly label: DatabaseLabel;
  readonly config: UpstashDatabaseConfig;
  /** Surfaces whose entries live here. */
  readonly surfaces: readonly string[];
}

/** Every cache database of the environment, the default first. */
export function cacheDatabases(env: Pick<EnvironmentConfig, 'upstash' | 'surfaces'>): CacheDatabase[] {
  const shards = env.upstash.cacheShards ?? [];
  const claimed = new Set(shards.flatMap((s) => s.surfaces));
  return [
    { label: 'cache', config: env.upstash.cache, surfaces: env.surfaces.map((s) => s.name).filter((s) => !claimed.has(s)) },
    ...shards.map((s): CacheDatabase => ({ shardId: s.id, label: `cache-${s.id}`, config: s, surfaces: s.surfaces })),
  ];
}

/** The cache database of one surface (the default one for a surface no shard claims). */
export function cacheDatabaseFor(env: Pick<EnvironmentConfig, 'upstash' | 'surfaces'>, surface: string): CacheDatabase {
  const all = cacheDatabases(env);
  return all.find((d) => d.shardId !== undefined && d.surfaces.includes(surface)) ?? all[0] as CacheDatabase;
}
