import type { Redis } from '@upstash/redis';
import type { EnvironmentConfig } from '../../config/types';
import { TokenAuthenticator } from '../guardrails/token-auth';
import { IdempotencyStore } from '../guardrails/idempotency';
import { policiesForEnvironment } from '../guardrails/rate-limit-policies';
import { RateLimiterManager } from '../guardrails/rate-limiter';
import type { HttpEvent, HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import { NOOP_METRICS, type MetricsRecorder } from '../shared/metrics/recorder';
import { createAdminApi, type AdminApiDeps } from './admin-api';
import { HitStatsReader } from './hit-stats';

export interface AssembleAdminApiOptions {
  readonly env: EnvironmentConfig;
  /** CACHE database client. */
  readonly cacheRedis: Redis;
  /** GUARDRAILS database client. */
  readonly guardrailsRedis: Redis;
  /** Clients of the further cache databases by the surfaces they hold. @default - one cache database */
  readonly cacheShards?: ReadonlyMap<string, Redis>;
  /** The currently valid admin tokens (several during a rotation overlap). */
  readonly adminTokens: () => Promise<readonly string[]>;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  readonly beforeAnswer?: () => Promise<unknown>;
  /** @default functionLogger('admin') */
  readonly logger?: Logger;
  /** Overrides for tests and the dev server (prefix purge batch sizes, log capacity, loopback clients...). */
  readonly overrides?: Partial<Pick<AdminApiDeps, 'prefixPurge' | 'logCapacity' | 'maxBodyBytes' | 'rateLimiter' | 'allowLoopbackClients'>>;
}

/** The admin function from its two Redis clients and token source: what the Lambda and the dev server share. */
export function assembleAdminApi(options: AssembleAdminApiOptions): (event: HttpEvent) => Promise<HttpResult> {
  const metrics = options.metrics ?? NOOP_METRICS;
  const env = options.env.name;
  return createAdminApi({
    env,
    surfaces: options.env.surfaces,
    cacheRedis: options.cacheRedis,
    guardrailsRedis: options.guardrailsRedis,
    cacheShards: options.cacheShards,
    authenticator: new TokenAuthenticator({ tokens: options.adminTokens, metrics }),
    rateLimiter: new RateLimiterManager({ redis: options.guardrailsRedis, env, policies: policiesForEnvironment(options.env), metrics }),
    idempotency: new IdempotencyStore({ redis: options.guardrailsRedis, env }),
    hitStats: new HitStatsReader({ redis: options.guardrailsRedis, env }),
    metrics,
    beforeAnswer: options.beforeAnswer,
    logger: options.logger,
    ...options.overrides,
  });
}
