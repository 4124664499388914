/**
 * What a function runs with: `CACHE_ENV` (set by the runtime stack; default `dev`) picks the
 * validated environment, `ORIGIN_<SURFACE>` overrides a surface's origin, and the databases'
 * credentials come from Secrets Manager in AWS or from `UPSTASH_*_REST_*` locally.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { environment } from '../../config/environments';
import type { EnvironmentConfig, SurfaceConfig } from '../../config/types';
import type { DatabaseRole } from '../../contracts/database-roles';
import { SECRET_ID_ENV, cacheShardNames } from '../../contracts/secrets';
import { EnvCredentialsSource, type CredentialsSource } from './credentials';
import { EnvironmentVariables } from './environment-variables';
import { secretsManagerCredentialsFromEnv } from './secrets-manager-credentials';

/** `ORIGIN_<SURFACE>`: the surface name upper-cased, dashes as underscores. */
export function originOverrideVariable(surface: string): string {
  return `ORIGIN_${surface.toUpperCase().replace(/-/g, '_')}`;
}

/** Applies `ORIGIN_<SURFACE>` overrides. */
export function withOriginOverrides(config: EnvironmentConfig, env: NodeJS.ProcessEnv): EnvironmentConfig {
  const variables = new EnvironmentVariables(env);
  const surfaces: SurfaceConfig[] = config.surfaces.map((s) => {
    const override = variables.optionalUrl(originOverrideVariable(s.name));
    return override ? { ...s, originUrl: override } : s;
  });
  return { ...config, surfaces };
}

/** The validated environment named by `CACHE_ENV`, with origin overrides applied. */
export function runtimeEnvironment(env: NodeJS.ProcessEnv): EnvironmentConfig {
  return withOriginOverrides(environment(new EnvironmentVariables(env).string('CACHE_ENV', 'dev')), env);
}

const LOCAL_PREFIX: Readonly<Record<DatabaseRole, string>> = { cache: 'UPSTASH_REDIS', guardrails: 'UPSTASH_GUARDRAILS' };

/**
 * Credentials of one database: `given` (tests), else the Secrets Manager secret named by
 * `UPSTASH_<ROLE>_SECRET_ID` (AWS), else `<PREFIX>_REST_URL` / `_TOKEN` (local runs; its `get()`
 * names the missing variable).
 */
export function databaseCredentials(
  role: DatabaseRole, env: NodeJS.ProcessEnv, given?: CredentialsSource, client?: SecretsManagerClient,
): CredentialsSource {
  return given ?? secretsManagerCredentialsFromEnv(SECRET_ID_ENV[role], env, { client }) ?? new EnvCredentialsSource(LOCAL_PREFIX[role], env);
}

/**
 * Credentials of a further cache database (`upstash.cacheShards`): the secret named by
 * `UPSTASH_CACHE_<ID>_SECRET_ID` (AWS), else `UPSTASH_CACHE_<ID>_REST_URL` / `_TOKEN` (local runs).
 */
export function cacheShardCredentials(envName: string, shardId: string, env: NodeJS.ProcessEnv, client?: SecretsManagerClient): CredentialsSource {
  const names = cacheShardNames(envName, shardId);
  return secretsManagerCredentialsFromEnv(names.secretIdEnv, env, { client }) ?? new EnvCredentialsSource(cacheShardLocalPrefix(shardId), env);
}

const cacheShardLocalPrefix = (shardId: string): string => `UPSTASH_CACHE_${shardId.toUpperCase()}`;

/** The variables a local run gives a further cache database's credentials in (read by `cacheShardCredentials`). */
export function cacheShardLocalVariables(shardId: string, creds: { readonly url: string; readonly token: string }): NodeJS.ProcessEnv {
  const prefix = cacheShardLocalPrefix(shardId);
  return { [`${prefix}_REST_URL`]: creds.url, [`${prefix}_REST_TOKEN`]: creds.token };
}
