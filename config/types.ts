/**
 * Typed configuration shared by the stacks, the runtime, the alerts and the docs.
 * Plain data only: runtime code imports this module, so it must never import cdktf.
 */

export type EnvironmentName = 'dev' | 'staging' | 'prod';
export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['dev', 'staging', 'prod'];

export type RateLimitAlgorithm = 'sliding-window' | 'fixed-window' | 'token-bucket';

/** What happens to a request when the rate limiter cannot reach Redis in time. */
export type FailMode = 'open' | 'closed';

/**
 * Which reads a surface's policy counts in Redis.
 * - `every-request` (exact): every read is checked in the guardrails database, in parallel with the
 *   cache lookup; 5,000 concurrent reads at limit 100 let exactly 100 through.
 * - `origin-bound`: only reads that go to the origin (miss, stale, bypass) are checked, after the
 *   lookup; a fresh hit costs no guardrails command. Hits are bounded by the HTTP API's throttling
 *   instead, and a client this instance has refused is refused on hits too until its window resets.
 */
export type RateLimitScope = 'every-request' | 'origin-bound';

export interface RateLimitPolicy {
  /** @default 'sliding-window' */
  readonly algorithm: RateLimitAlgorithm;
  /** Requests allowed per window (for token bucket: bucket size). */
  readonly limit: number;
  readonly windowSeconds: number;
  /** Token bucket only: tokens added per window. @default limit */
  readonly refillRate?: number;
  /** What identifies a client. */
  readonly keyBy: 'ip' | 'api-key';
  readonly failMode: FailMode;
  /** Timeout of the limiter's own Redis call, far below the library's silent 5 s. */
  readonly timeoutMs: number;
  /** Which reads are counted in Redis (see {@link RateLimitScope}). @default 'every-request' */
  readonly scope?: RateLimitScope;
}

export interface SurfaceConfig {
  /** Lowercase `[a-z0-9-]`, the `<surface>` key segment and the route `/c/{surface}/...`. */
  readonly name: string;
  /** Base URL the path is appended to. */
  readonly originUrl: string;
  readonly ttlSeconds: number;
  /** How long past `ttlSeconds` a stale entry may still be served while one caller refreshes. */
  readonly staleWhileRevalidateSeconds: number;
  /** Query parameters that select a variant; all others are ignored (and never reach the key). */
  readonly varyQuery: readonly string[];
  /** Request headers (lowercase) that select a variant and are forwarded to the origin. */
  readonly varyHeaders: readonly string[];
  /** Response headers (lowercase) stored with the entry and replayed on a hit. */
  readonly storedHeaders: readonly string[];
  readonly rateLimit: RateLimitPolicy;
  /** Origin timeout. */
  readonly originTimeoutMs: number;
  /** Bodies at least this large are stored compressed (when that saves bytes). @default 1024 */
  readonly compressAboveBytes?: number;
}

export type RotationStrategy = 'alternating-users' | 'reset-password';

export interface UpstashDatabaseConfig {
  /** Database name in Upstash, e.g. `clarivum-cache-dev`. */
  readonly name: string;
  /** Evict keys when the database is full (on for the cache, off for guardrails). */
  readonly eviction: boolean;
  /** Monthly budget in USD (`budget` attribute of the provider). */
  readonly budgetUsd: number;
  /** Monthly request quota the audit job measures usage against. */
  readonly monthlyRequestQuota: number;
  /** Data size the plan allows, in bytes: the memory alert fires above 80 % of it (audit gauge). */
  readonly memoryBudgetBytes: number;
  readonly rotationStrategy: RotationStrategy;
}

/**
 * A further cache database for the scale-out path: the entries of `surfaces` live here instead of
 * in the default cache database. Its database, secret, rotation, grants and audit follow from this.
 */
export interface CacheShardConfig extends UpstashDatabaseConfig {
  /** Short id, lowercase `[a-z0-9]{1,12}`: it names the construct, the secret and the variables. */
  readonly id: string;
  /** Configured surfaces served from this database (each surface in at most one shard). */
  readonly surfaces: readonly string[];
}

export interface UpstashConfig {
  /** Upstash primary region, e.g. `eu-central-1`. */
  readonly primaryRegion: string;
  readonly readRegions: readonly string[];
  /** The default cache database: every surface no shard claims. */
  readonly cache: UpstashDatabaseConfig;
  readonly guardrails: UpstashDatabaseConfig;
  /** Further cache databases, each for some surfaces. @default - none: one cache database */
  readonly cacheShards?: readonly CacheShardConfig[];
}

export type BackendConfig =
  | { readonly type: 'local' }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      /** DynamoDB lock table; when absent, S3 native locking (`use_lockfile`) is used. */
      readonly dynamodbTable?: string;
      /**
       * ARN of the environment's customer managed key (or its alias) that encrypts the state: state
       * holds the Upstash default user's credentials (docs/security.md). The bucket and key exist
       * before the first deploy (bootstrap in docs/security.md).
       */
      readonly kmsKeyId: string;
    };

export interface SchedulesConfig {
  /** EventBridge Scheduler expression for the warmup job. */
  readonly warmup: string;
  /** EventBridge Scheduler expression for the audit job. */
  readonly audit: string;
  /** Secrets Manager rotation schedule for the Upstash tokens. */
  readonly rotation: string;
}

export interface AlertRoutingConfig {
  /** Name of the Secrets Manager secret / config key holding the PagerDuty integration key. */
  readonly pagerDutyIntegrationKeySecret: string;
  /** Webhook URL for warnings (Slack or generic); not a secret by itself. */
  readonly warningWebhookUrl: string;
  /** Root URL of the Grafana the observability stack provisions (auth comes from `GRAFANA_AUTH`). */
  readonly grafanaUrl: string;
  /** Query URL of the Prometheus that scrapes this environment (the Grafana data source). */
  readonly prometheusUrl: string;
  /** `host[:port]` Prometheus scrapes `/metrics` on (the HTTP API's domain). */
  readonly metricsTarget: string;
  /**
   * Role Grafana assumes to read CloudWatch (Lambda health).
   * @default - Grafana's own AWS credentials (`authType: default`)
   */
  readonly cloudWatchRoleArn?: string;
}

export interface RuntimeLimitsConfig {
  /** Largest payload stored in the cache; larger responses are served but not stored. */
  readonly maxItemBytes: number;
  /** Timeout of every Upstash call. */
  readonly redisTimeoutMs: number;
  readonly maxInflight: number;
  readonly requestTimeoutMs: number;
}

/** The Lambda functions of the platform; each is one `lambdas/<name>/handler.ts`. */
export type FunctionName = 'cache' | 'admin' | 'warmup' | 'audit' | 'rotation';
export const FUNCTION_NAMES: readonly FunctionName[] = ['cache', 'admin', 'warmup', 'audit', 'rotation'];

export interface LambdaSettings {
  /** Memory in MB (128 to 10240); on arm64 CPU scales with it. */
  readonly memoryMb: number;
  /** Timeout in seconds; functions behind the HTTP API must finish within its 30 s limit. */
  readonly timeoutSeconds: number;
  /** Reserved concurrency caps the fleet (and so the load on Upstash). @default - unreserved */
  readonly reservedConcurrency?: number;
}

export interface ApiThrottlingConfig {
  /** Steady-state requests per second across the stage. */
  readonly rateLimit: number;
  /** Burst bucket size across the stage. */
  readonly burstLimit: number;
}

export interface ApiConfig {
  /** Default throttling of every route of the HTTP API stage. */
  readonly throttling: ApiThrottlingConfig;
  /** Tighter throttling for the `/admin/*` routes. */
  readonly adminThrottling: ApiThrottlingConfig;
  /**
   * Admin routes take AWS IAM authorization (SigV4, checked by API Gateway) in front of the admin
   * token, which stays as a second factor. Callers need `execute-api:Invoke` (the stack's
   * admin-invoke policy). On in staging and prod.
   */
  readonly adminIamAuthorization: boolean;
}

export interface SchedulerRetryConfig {
  /** Retries of a failed scheduled invocation (0 to 185) before it goes to the dead-letter queue. */
  readonly maximumRetryAttempts: number;
  /** How long a scheduled invocation may be retried, in seconds (60 to 86400). */
  readonly maximumEventAgeSeconds: number;
  /** How long the dead-letter queue keeps a failed invocation, in seconds (60 to 1209600). */
  readonly deadLetterRetentionSeconds: number;
}

/** Settings of the deployed runtime (Lambda sizes, API throttling, scheduler retries). */
export interface DeploymentConfig {
  /** Prefix of every physical name (function, role, log group, API), e.g. `clarivum` gives `clarivum-prod-cache`. */
  readonly namePrefix: string;
  readonly lambdas: Readonly<Record<FunctionName, LambdaSettings>>;
  readonly api: ApiConfig;
  readonly scheduler: SchedulerRetryConfig;
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  readonly aws: { readonly region: string; readonly accountId: string };
  readonly upstash: UpstashConfig;
  readonly surfaces: readonly SurfaceConfig[];
  readonly schedules: SchedulesConfig;
  readonly logRetentionDays: number;
  readonly alerting: AlertRoutingConfig;
  readonly backend: BackendConfig;
  readonly runtime: RuntimeLimitsConfig;
  /** Deployed runtime settings. @default DEFAULT_DEPLOYMENT (config/deployment.ts) */
  readonly deployment?: DeploymentConfig;
}
