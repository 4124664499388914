/**
 * The admin (invalidation) function: API Gateway HTTP API (payload 2.0) in, `createAdminApi` out.
 * Routes: `POST /admin/invalidate`, `POST /admin/bypass`, `POST /admin/allowlist`, `GET /admin/status`.
 *
 * Environment (the same names as the cache function):
 * - `CACHE_ENV` (`dev` | `staging` | `prod`, default `dev`) picks the typed config.
 * - In AWS (set by the runtime stack): `UPSTASH_CACHE_SECRET_ID`, `UPSTASH_GUARDRAILS_SECRET_ID` and
 *   `ADMIN_TOKEN_SECRET_ID` name the Secrets Manager secrets, read through the cached reader.
 * - Locally, instead: `UPSTASH_REDIS_REST_URL` / `_TOKEN` (cache database),
 *   `UPSTASH_GUARDRAILS_REST_URL` / `_TOKEN` (guardrails database: log, idempotency, allowlist,
 *   metrics) and `ADMIN_TOKEN` (comma-separated during a rotation overlap).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { databaseCredentials, runtimeEnvironment } from '../shared/runtime-environment';
import { adminTokensFromEnv } from '../guardrails/admin-auth';
import { SECRET_ID_ENV } from '../../contracts/secrets';
import type { CredentialsSource } from '../shared/credentials';
import type { HttpEvent, HttpResult } from '../shared/http';
import { AggregatingMetricsRecorder } from '../shared/metrics/aggregating-recorder';
import { SecretsManagerAdminTokens } from '../shared/secrets-manager-credentials';
import { createUpstashClient } from '../shared/upstash';
import { assembleAdminApi } from './assemble';
import { httpHandler } from '../shared/per-container';

export interface AdminFunctionOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Cache database credentials. @default - the `UPSTASH_CACHE_SECRET_ID` secret, else EnvCredentialsSource('UPSTASH_REDIS') */
  readonly cacheCredentials?: CredentialsSource;
  /** Guardrails database credentials. @default - the `UPSTASH_GUARDRAILS_SECRET_ID` secret, else EnvCredentialsSource('UPSTASH_GUARDRAILS') */
  readonly guardrailsCredentials?: CredentialsSource;
  /** The valid admin tokens. @default - the `ADMIN_TOKEN_SECRET_ID` secret, else adminTokensFromEnv(env) */
  readonly adminTokens?: () => Promise<readonly string[]>;
  /** Secrets Manager client of the secret readers. @default - a client for the function's region */
  readonly secretsClient?: SecretsManagerClient;
  /** Accept loopback addresses on the allowlist (the dev server's clients). @default false */
  readonly allowLoopbackClients?: boolean;
}

export type AdminFunction = (event: HttpEvent) => Promise<HttpResult>;

/** Builds the function once per container: both clients, the guardrails, the manager. */
export async function createAdminFunction(opts: AdminFunctionOptions = {}): Promise<AdminFunction> {
  const env = opts.env ?? process.env;
  const config = runtimeEnvironment(env);
  const timeoutMs = config.runtime.redisTimeoutMs;
  const metrics = new AggregatingMetricsRecorder();
  const client = opts.secretsClient;
  const cacheSource = databaseCredentials('cache', env, opts.cacheCredentials, client);
  const guardrailsSource = databaseCredentials('guardrails', env, opts.guardrailsCredentials, client);
  const adminTokenSecret = env[SECRET_ID_ENV.adminToken];
  const [cacheRedis, guardrailsRedis] = await Promise.all([
    createUpstashClient(cacheSource, { timeoutMs, metrics, database: 'cache' }),
    createUpstashClient(guardrailsSource, { timeoutMs, metrics, database: 'guardrails' }),
  ]);
  return assembleAdminApi({
    env: config,
    cacheRedis,
    guardrailsRedis,
    adminTokens: opts.adminTokens ?? (adminTokenSecret ? new SecretsManagerAdminTokens({ secretId: adminTokenSecret, client }).tokens : adminTokensFromEnv(env)),
    metrics,
    // Awaited before answering: Lambda freezes after the response, so nothing may be left in flight.
    beforeAnswer: () => metrics.flushIfDue(guardrailsRedis),
    overrides: { allowLoopbackClients: opts.allowLoopbackClients ?? false },
  });
}

export const handler = httpHandler('admin', () => createAdminFunction());
