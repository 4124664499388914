/**
 * The scheduled warmup function: builds the clients, the throttled engine and the manager once
 * per container, runs the environment's manifest (`config/warmup-manifest.ts`), flushes the
 * metrics and answers the report as JSON. A run that failed as a whole (Redis down, lock lost)
 * throws after logging its report, so the scheduler retries it (a retry skips what is fresh).
 *
 * Environment: `CACHE_ENV` (set by the runtime stack) picks the config;
 * credentials from Secrets Manager when `UPSTASH_CACHE_SECRET_ID` / `UPSTASH_GUARDRAILS_SECRET_ID`
 * are set, else `UPSTASH_REDIS_REST_*` / `UPSTASH_GUARDRAILS_REST_*`; `ORIGIN_<SURFACE>` overrides
 * a surface's origin.
 */
import type { Context } from 'aws-lambda';
import { FunctionContext, type FunctionContextOptions } from '../bootstrap/function-context';
import { WARMUP_MANIFESTS, type WarmupManifest } from '../../config/warmup-manifest';
import type { FetchFn } from '../engine/origin';
import { DistributedLockCoordinator } from '../guardrails/lock-coordinator';
import { CacheWarmupManager, createWarmupEngine, type WarmupReport } from './cache-warmup-manager';
import { JobFailedError } from '../maintenance/job-failed-error';
import { PopularRequests } from '../maintenance/popular-requests';
import { perContainer } from '../shared/per-container';

export interface WarmupFunctionOptions extends Omit<FunctionContextOptions, 'adminTokens'> {
  /** @default WARMUP_MANIFESTS[<environment>] */
  readonly manifest?: WarmupManifest;
  /** Origin HTTP client. @default globalThis.fetch */
  readonly fetch?: FetchFn;
}

export type WarmupFunction = (event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<WarmupReport>;

/** Left of the invocation for the refreshes in flight, the metrics flush and the answer. */
const INVOCATION_MARGIN_MS = 20_000;

export async function createWarmupFunction(opts: WarmupFunctionOptions = {}): Promise<WarmupFunction> {
  const ctx = new FunctionContext('warmup', opts);
  const { config, metrics, logger } = ctx;
  const manifest = opts.manifest ?? WARMUP_MANIFESTS[config.name];
  const cache = await ctx.database('cache');
  const guardrails = await ctx.database('guardrails');
  const cacheShards = await ctx.cacheShardDatabases();
  const manager = new CacheWarmupManager({
    env: config,
    engine: createWarmupEngine({ env: config, redis: cache, guardrails, manifest, metrics, fetch: opts.fetch, cacheShards }),
    cache,
    cacheShards,
    guardrails,
    locks: new DistributedLockCoordinator({ redis: guardrails }),
    popular: new PopularRequests({ redis: guardrails, env: config, recorder: metrics }),
    metrics,
    logger,
  });
  return async (_event, context) => {
    const remaining = context?.getRemainingTimeInMillis();
    const report = await manager.run(manifest, remaining === undefined ? {} : { deadlineAtMs: Date.now() + remaining - INVOCATION_MARGIN_MS });
    // Awaited: Lambda freezes after the answer. A failed flush only loses this run's samples.
    await metrics.flush(guardrails);
    const { targets, ...summary } = report;
    const fields = { ...summary, failedTargets: targets.filter((t) => t.outcome === 'failed') };
    if (report.status === 'failed') logger.error('warmup finished', fields);
    else logger.info('warmup finished', fields);
    if (report.status === 'failed') throw new JobFailedError(report, `warmup failed: ${report.error ?? 'unknown error'}`);
    return report;
  };
}

const warmupFunction = perContainer(() => createWarmupFunction());

export async function handler(event?: unknown, context?: Context): Promise<WarmupReport> {
  return (await warmupFunction())(event, context);
}
