/**
 * What the scheduled maintenance functions (warmup, audit) read from their environment beyond
 * `runtimeEnvironment`: the credentials of both databases, and the error that makes a run retry.
 */
import { SECRET_ID_ENV } from '../rotation/secret-names';
import { EnvCredentialsSource, type CredentialsSource } from '../shared/credentials';
import { secretsManagerCredentialsFromEnv } from '../shared/secrets-manager-credentials';

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
