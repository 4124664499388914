/**
 * The scale-out example: an environment whose `api` surface lives in a further cache database
 * (`upstash.cacheShards`, id `api`, database label `cache-api`), and the variables that reach it.
 */
import type { EnvironmentConfig } from '../../config/types';
import { cacheShardLocalVariables } from '../../lambdas/shared/runtime-environment';

export const SHARD_ID = 'api';
export const SHARD_DATABASE = `cache-${SHARD_ID}`;

/** `env` with the given surfaces served from the further cache database. */
export function withCacheShard(env: EnvironmentConfig, surfaces: readonly string[] = ['api']): EnvironmentConfig {
  return {
    ...env,
    upstash: {
      ...env.upstash,
      cacheShards: [{
        id: SHARD_ID, name: `clarivum-cache-${SHARD_ID}-${env.name}`, eviction: true, budgetUsd: 20, monthlyRequestQuota: 20_000_000,
        memoryBudgetBytes: 256 * 1024 * 1024, rotationStrategy: 'reset-password', surfaces,
      }],
    },
  };
}

/** The REST variables of the further cache database. */
export function shardVariables(db: { readonly url: string; readonly token: string }): NodeJS.ProcessEnv {
  return cacheShardLocalVariables(SHARD_ID, db);
}
