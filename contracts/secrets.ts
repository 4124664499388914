/**
 * Naming and tagging convention of the platform's secrets, and the environment variables that
 * carry them to a function: shared by the secrets and runtime stacks, the functions and the
 * operator command.
 */

export interface SecretNames {
  /** Upstash REST credentials of the cache database (rotated). */
  readonly cache: string;
  /** Upstash REST credentials of the guardrails database (rotated). */
  readonly guardrails: string;
  /** `{"email": "...", "apiKey": "..."}` of the Upstash Developer API; the rotation function only reads it. */
  readonly developerApi: string;
  /** Bearer token(s) of the admin routes; only the admin function reads it. */
  readonly adminToken: string;
  /** Bearer token(s) of reads when `READ_REQUIRES_AUTH`; only the cache function reads it. */
  readonly readToken: string;
  /** Bearer token(s) of `/metrics` (unless public) and `/debug/cache`; only the cache function reads it. */
  readonly metricsToken: string;
}

const ENV_SEGMENT = /^[a-z][a-z0-9-]{0,31}$/;

/** Secret names of one environment, e.g. `clarivum/prod/upstash/cache`. */
export function secretNames(env: string): SecretNames {
  if (!ENV_SEGMENT.test(env)) {
    throw new Error(`environment name must match ${ENV_SEGMENT} to be used in a secret name, got "${env}"`);
  }
  const base = `clarivum/${env}`;
  return {
    cache: `${base}/upstash/cache`,
    guardrails: `${base}/upstash/guardrails`,
    developerApi: `${base}/upstash-developer-api`,
    adminToken: `${base}/admin-token`,
    readToken: `${base}/read-token`,
    metricsToken: `${base}/metrics-token`,
  };
}

/**
 * Tags the secrets stack puts on each rotated Upstash secret. The rotation function reads them with
 * `DescribeSecret`, so one function serves both databases and the strategy follows the config.
 */
export const ROTATION_TAGS = {
  /** `cache` or `guardrails`. */
  database: 'clarivum:upstash-database',
  /** Upstash database id (`upstash_redis_database.database_id`), used with the Developer API. */
  databaseId: 'clarivum:upstash-database-id',
  /** `alternating-users` or `reset-password` (`rotationStrategy` in config). */
  strategy: 'clarivum:rotation-strategy',
} as const;

/**
 * Value of the first secret version Terraform writes (with `ignore_changes` on it): no token, so
 * Terraform never holds one. The first rotation (`rotate_immediately`) replaces it with credentials.
 */
export const UNSEEDED_SECRET_STRING = '{"seeded":false}';

/** Environment variables that tell a function which secrets to read (set by the stacks' grants). */
export const SECRET_ID_ENV = {
  cache: 'UPSTASH_CACHE_SECRET_ID',
  guardrails: 'UPSTASH_GUARDRAILS_SECRET_ID',
  adminToken: 'ADMIN_TOKEN_SECRET_ID',
  readToken: 'READ_TOKEN_SECRET_ID',
  metricsToken: 'METRICS_TOKEN_SECRET_ID',
  developerApi: 'DEVELOPER_API_SECRET_ID',
} as const;

/** Environment variables carrying the Upstash database ids (the audit's Developer API usage reads). */
export const DATABASE_ID_ENV = {
  cache: 'UPSTASH_CACHE_DATABASE_ID',
  guardrails: 'UPSTASH_GUARDRAILS_DATABASE_ID',
} as const;

/**
 * A further cache database (`upstash.cacheShards` in config, scale-out): its secret, and the variables
 * carrying that secret and its database id to a function, e.g. `clarivum/prod/upstash/cache-eu`,
 * `UPSTASH_CACHE_EU_SECRET_ID`, `UPSTASH_CACHE_EU_DATABASE_ID`.
 */
export function cacheShardNames(env: string, shardId: string): { readonly secret: string; readonly secretIdEnv: string; readonly databaseIdEnv: string } {
  if (!/^[a-z0-9]{1,12}$/.test(shardId)) throw new Error(`cache shard id must be lowercase [a-z0-9], at most 12 characters, got "${shardId}"`);
  const upper = shardId.toUpperCase();
  return {
    secret: `${secretNames(env).cache}-${shardId}`,
    secretIdEnv: `UPSTASH_CACHE_${upper}_SECRET_ID`,
    databaseIdEnv: `UPSTASH_CACHE_${upper}_DATABASE_ID`,
  };
}
