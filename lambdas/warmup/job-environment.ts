/**
 * What the scheduled maintenance functions (warmup, audit) read from their environment: which
 * configuration they run for, origin overrides and the credentials of both databases.
 */
import { environment } from '../../config/environments';
import type { EnvironmentConfig, SurfaceConfig } from '../../config/types';
import { SECRET_ID_ENV } from '../rotation/secret-names';
import { EnvCredentialsSource, type CredentialsSource } from '../shared/credentials';
import { secretsManagerCredentialsFromEnv } from '../shared/secrets-manager-credentials';

/** `CACHE_ENV`, else `CACHE_PLATFORM_ENV` (set by the runtime stack), else `dev`; validated. */
export function jobEnvironment(env: NodeJS.ProcessEnv): EnvironmentConfig {
  const config = environment(env.CACHE_ENV ?? env.CACHE_PLATFORM_ENV ?? 'dev');
  // `ORIGIN_<SURFACE>` (dashes as underscores, upper case) overrides a surface's origin, as for the cache function.
  const surfaces: SurfaceConfig[] = config.surfaces.map((s) => {
    const override = env[`ORIGIN_${s.name.toUpperCase().replace(/-/g, '_')}`];
    return override ? { ...s, originUrl: override } : s;
  });
  return { ...config, surfaces };
}

/** Credentials of both databases: Secrets Manager when its secret id is set (AWS), else `UPSTASH_*_REST_*`. */
export function jobCredentials(env: NodeJS.ProcessEnv, given: { cache?: CredentialsSource; guardrails?: CredentialsSource } = {}):
  { cache: CredentialsSource; guardrails: CredentialsSource } {
  return {
    cache: given.cache ?? secretsManagerCredentialsFromEnv(SECRET_ID_ENV.cache, env) ?? new EnvCredentialsSource('UPSTASH_REDIS', env),
    guardrails: given.guardrails ?? secretsManagerCredentialsFromEnv(SECRET_ID_ENV.guardrails, env) ?? new EnvCredentialsSource('UPSTASH_GUARDRAILS', env),
  };
}

/** Thrown by a handler whose run failed as a whole, after logging the report: the scheduler retries. */
export class JobFailedError extends Error {
  constructor(readonly report: unknown, message: string) {
    super(message);
    this.name = 'JobFailedError';
  }
}
