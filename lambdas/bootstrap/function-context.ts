/**
 * One way to start a function: what every handler (cache, admin, warmup, audit, rotation) builds
 * once per container before its first event. The handler adds only what is its own.
 *
 * Environment (names in contracts/secrets.ts):
 * - `CACHE_ENV` (`dev` | `staging` | `prod`, default `dev`) picks the typed config; `ORIGIN_<SURFACE>`
 *   overrides a surface's origin.
 * - A database's credentials: the secret named by `UPSTASH_<ROLE>_SECRET_ID` (in AWS), else
 *   `UPSTASH_REDIS_REST_*` (cache) / `UPSTASH_GUARDRAILS_REST_*` (locally).
 * - API tokens of each kind (admin, read, metrics): the secret named by `<KIND>_TOKEN_SECRET_ID`, else
 *   `<KIND>_TOKEN` (comma-separated), each at least 32 characters.
 * - `METRICS_FLUSH_INTERVAL_MS` (default 5000): the longest a container holds recorded metrics.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Redis } from '@upstash/redis';
import type { EnvironmentConfig, FunctionName } from '../../config/types';
import type { DatabaseRole } from '../../contracts/database-roles';
import { SECRET_ID_ENV } from '../../contracts/secrets';
import { tokensFromEnv, type TokenKind } from '../guardrails/token-auth';
import type { CredentialsSource } from '../shared/credentials';
import { EnvironmentVariables } from '../shared/environment-variables';
import { functionLogger, type Logger } from '../shared/logger';
import { AggregatingMetricsRecorder } from '../shared/metrics/aggregating-recorder';
import { SecretsManagerTokens } from '../shared/secrets-manager-credentials';
import { validateEnvironment } from '../../config/validate';
import { cacheShardCredentials, databaseCredentials, runtimeEnvironment, withOriginOverrides } from '../shared/runtime-environment';
import { createUpstashClient } from '../shared/upstash';

/** What tests and local tools may give a function instead of reading it from the environment. */
export interface FunctionContextOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - from the environment (see above) */
  readonly cacheCredentials?: CredentialsSource;
  /** @default - from the environment (see above) */
  readonly guardrailsCredentials?: CredentialsSource;
  /** The valid admin tokens. @default - from the environment (see above) */
  readonly adminTokens?: () => Promise<readonly string[]>;
  /** The valid read tokens. @default - from the environment (see above) */
  readonly readTokens?: () => Promise<readonly string[]>;
  /** The valid metrics tokens. @default - from the environment (see above) */
  readonly metricsTokens?: () => Promise<readonly string[]>;
  /** Secrets Manager client of the secret readers. @default - a client for the function's region */
  readonly secretsClient?: SecretsManagerClient;
  /**
   * The environment to run (tests and example environments such as one with two cache databases);
   * `ORIGIN_<SURFACE>` overrides still apply. @default - the environment named by `CACHE_ENV`
   */
  readonly config?: EnvironmentConfig;
}

const LOCAL_URL: Readonly<Record<DatabaseRole, string>> = { cache: 'UPSTASH_REDIS_REST_URL', guardrails: 'UPSTASH_GUARDRAILS_REST_URL' };

export class FunctionContext {
  readonly env: NodeJS.ProcessEnv;
  /** The one reader of the function's environment variables. */
  readonly variables: EnvironmentVariables;
  readonly logger: Logger;
  readonly metrics: AggregatingMetricsRecorder;
  private environmentConfig?: EnvironmentConfig;

  constructor(readonly name: FunctionName, private readonly opts: FunctionContextOptions = {}) {
    this.env = opts.env ?? process.env;
    this.variables = new EnvironmentVariables(this.env);
    this.logger = functionLogger(name);
    this.metrics = new AggregatingMetricsRecorder({
      flushIntervalMs: this.variables.number('METRICS_FLUSH_INTERVAL_MS', 5_000, { min: 0, integer: true }),
    });
  }

  /** The validated environment named by `CACHE_ENV`, with `ORIGIN_<SURFACE>` overrides (read on first use). */
  get config(): EnvironmentConfig {
    this.environmentConfig ??= this.opts.config ? withOriginOverrides(validateEnvironment(this.opts.config), this.env) : runtimeEnvironment(this.env);
    return this.environmentConfig;
  }

  /** Whether anything (an option, a secret id, a local URL) says where this database is. */
  hasDatabase(role: DatabaseRole): boolean {
    const given = role === 'cache' ? this.opts.cacheCredentials : this.opts.guardrailsCredentials;
    return Boolean(given ?? this.variables.optional(SECRET_ID_ENV[role]) ?? this.variables.optional(LOCAL_URL[role]));
  }

  /** Where a database's credentials come from. */
  credentials(role: DatabaseRole): CredentialsSource {
    const given = role === 'cache' ? this.opts.cacheCredentials : this.opts.guardrailsCredentials;
    // A set but empty secret id is an error here, not a silent fall-back to local credentials.
    this.variables.optional(SECRET_ID_ENV[role]);
    return databaseCredentials(role, this.env, given, this.opts.secretsClient);
  }

  /** A client of the database, counting its requests in the function's metrics. */
  database(role: DatabaseRole, opts: { readonly timeoutMs?: number } = {}): Promise<Redis> {
    return createUpstashClient(this.credentials(role), {
      timeoutMs: opts.timeoutMs ?? this.config.runtime.redisTimeoutMs, metrics: this.metrics, database: role,
    });
  }

  /**
   * Clients of the further cache databases (`upstash.cacheShards`, the scale-out path) by the
   * surfaces they hold; empty with one cache database. Surfaces not in it use `database('cache')`.
   */
  async cacheShardDatabases(opts: { readonly timeoutMs?: number } = {}): Promise<ReadonlyMap<string, Redis>> {
    const bySurface = new Map<string, Redis>();
    for (const shard of this.config.upstash.cacheShards ?? []) {
      const client = await createUpstashClient(cacheShardCredentials(this.config.name, shard.id, this.env, this.opts.secretsClient), {
        timeoutMs: opts.timeoutMs ?? this.config.runtime.redisTimeoutMs, metrics: this.metrics, database: `cache-${shard.id}`,
      });
      for (const surface of shard.surfaces) bySurface.set(surface, client);
    }
    return bySurface;
  }

  /** The source of the valid tokens of one kind. */
  tokens(kind: TokenKind): () => Promise<readonly string[]> {
    const given = { admin: this.opts.adminTokens, read: this.opts.readTokens, metrics: this.opts.metricsTokens }[kind];
    if (given) return given;
    const secretId = this.variables.optional(SECRET_ID_ENV[`${kind}Token`]);
    return secretId ? new SecretsManagerTokens({ secretId, client: this.opts.secretsClient }).tokens : tokensFromEnv(kind, this.env);
  }
}
