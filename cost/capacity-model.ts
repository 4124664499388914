/**
 * The capacity and cost model: from a traffic scenario (requests per second, hit ratio, page size)
 * and an environment's settings, the Upstash commands per second and bandwidth per database, the
 * Lambda concurrency, the HTTP API requests, the monthly cost, and the rate at which each limit
 * binds. Pure arithmetic on `./prices.ts` and `./request-profile.ts`; `docs/capacity.md` is
 * rendered from it (`./render-capacity.ts`).
 *
 * Stated approximations: reads are hits or misses of the marketing surface (its default,
 * origin-bound policy); stale, bypass and 429 answers, admin calls and the scheduled jobs are left
 * out (their per-request costs are in the bench); a hit's reply carries the entry as stored (the
 * client asks for plain JSON replies; escaping adds a few bytes), a miss writes it once; every busy
 * instance flushes its metrics once per flush interval (an upper bound).
 */
import type { EnvironmentConfig } from '../config/types';
import { deploymentOf } from '../config/deployment';
import { AWS_LIMITS, PRICES, UPSTASH_PLANS } from './prices';
import { REQUEST_KINDS, type RequestKind } from './request-kinds';
import { REQUEST_PROFILE, type CommandProfile } from './request-profile';

export interface ModelParameters {
  /** Round trip from the function to Upstash, ms. */
  readonly upstashRttMs: number;
  /** Time the origin takes to answer a miss, ms. */
  readonly originMs: number;
  /** In-function time per request besides waiting (decode, checksum, response), ms. */
  readonly computeMs: number;
  /** Metrics flush interval of an instance, ms (`METRICS_FLUSH_INTERVAL_MS`). */
  readonly flushIntervalMs: number;
  /** Bytes an entry adds to its page (envelope, headers, key). */
  readonly entryOverheadBytes: number;
}

export const DEFAULT_PARAMETERS: ModelParameters = {
  upstashRttMs: 5, originMs: 150, computeMs: 3, flushIntervalMs: 5_000, entryOverheadBytes: 400,
};

export interface Scenario {
  readonly requestsPerSecond: number;
  /** Share of reads that are hits, 0 to 1. */
  readonly hitRatio: number;
  readonly pageBytes: number;
}

export interface DatabaseLoad {
  readonly commandsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly monthlyCommands: number;
  readonly monthlyGb: number;
}

export interface CapacityFigures {
  readonly scenario: Scenario;
  readonly cache: DatabaseLoad;
  readonly guardrails: DatabaseLoad;
  /** Concurrent cache-function executions (Little's law: rate × mean duration). */
  readonly lambdaConcurrency: number;
  readonly httpApiRequestsPerSecond: number;
  readonly monthlyUsd: { readonly upstash: number; readonly lambda: number; readonly httpApi: number; readonly total: number };
}

export interface BindingLimit {
  readonly limit: string;
  /** Read requests per second at which it binds, at the scenario's hit ratio and page size. */
  readonly bindsAtRps: number;
  readonly source: string;
}

const SECONDS_PER_MONTH = 30 * 86_400;
const GB = 1e9;

/** Duration of one request of a kind, seconds. */
export function durationSeconds(kind: RequestKind, p: ModelParameters = DEFAULT_PARAMETERS): number {
  const info = REQUEST_KINDS[kind];
  const origin = kind === 'miss' || kind === 'stale' || kind === 'bypass' ? p.originMs : 0;
  return (p.computeMs + info.sequentialRoundTrips * p.upstashRttMs + origin) / 1000;
}

/**
 * USD per million requests of a kind: Upstash commands, Lambda request and GB-seconds, HTTP API.
 * `profile` replaces the kind's commands (the bench prices what it measured).
 */
export function dollarsPerMillion(
  kind: RequestKind, env: EnvironmentConfig, p: ModelParameters = DEFAULT_PARAMETERS, profile: CommandProfile = REQUEST_PROFILE[kind],
): { upstash: number; lambda: number; httpApi: number; total: number } {
  const info = REQUEST_KINDS[kind];
  const upstash = (profile.cache + profile.guardrails) * PRICES.upstashCommand.value * 1e6;
  const memoryGb = deploymentOf(env).lambdas[info.fn].memoryMb / 1024;
  const invocation = info.viaHttpApi ? PRICES.lambdaRequest.value : 0;
  const lambda = (invocation + memoryGb * durationSeconds(kind, p) * PRICES.lambdaArmGbSecond.value) * 1e6;
  const httpApi = info.viaHttpApi ? PRICES.httpApiRequest.value * 1e6 : 0;
  return { upstash, lambda, httpApi, total: upstash + lambda + httpApi };
}

function monthlyBandwidthUsd(gb: number): number {
  return Math.max(0, gb - PRICES.upstashBandwidthFreeGbPerMonth.value) * PRICES.upstashBandwidthGb.value;
}

export function capacity(s: Scenario, env: EnvironmentConfig, p: ModelParameters = DEFAULT_PARAMETERS): CapacityFigures {
  const hit = REQUEST_PROFILE.hit;
  const miss = REQUEST_PROFILE.miss;
  const hits = s.requestsPerSecond * s.hitRatio;
  const misses = s.requestsPerSecond - hits;
  const meanDuration = s.hitRatio * durationSeconds('hit', p) + (1 - s.hitRatio) * durationSeconds('miss', p);
  const lambdaConcurrency = s.requestsPerSecond * meanDuration;
  const flushesPerSecond = Math.min(s.requestsPerSecond, Math.ceil(lambdaConcurrency) / (p.flushIntervalMs / 1000));
  const entryBytes = s.pageBytes + p.entryOverheadBytes;
  const load = (commandsPerSecond: number, bytesPerSecond: number): DatabaseLoad => ({
    commandsPerSecond, bytesPerSecond,
    monthlyCommands: commandsPerSecond * SECONDS_PER_MONTH,
    monthlyGb: (bytesPerSecond * SECONDS_PER_MONTH) / GB,
  });
  // About 200 bytes per command each way on the guardrails database (scripts, counters).
  const cache = load(hits * hit.cache + misses * miss.cache, hits * entryBytes + misses * entryBytes);
  const guardrailsCommands = hits * hit.guardrails + misses * miss.guardrails + flushesPerSecond;
  const guardrails = load(guardrailsCommands, guardrailsCommands * 400);
  const memoryGb = deploymentOf(env).lambdas.cache.memoryMb / 1024;
  const monthlyRequests = s.requestsPerSecond * SECONDS_PER_MONTH;
  const upstash = (cache.monthlyCommands + guardrails.monthlyCommands) * PRICES.upstashCommand.value
    + monthlyBandwidthUsd(cache.monthlyGb) + monthlyBandwidthUsd(guardrails.monthlyGb);
  const lambda = monthlyRequests * PRICES.lambdaRequest.value + monthlyRequests * meanDuration * memoryGb * PRICES.lambdaArmGbSecond.value;
  const httpApi = monthlyRequests * PRICES.httpApiRequest.value;
  return {
    scenario: s, cache, guardrails, lambdaConcurrency, httpApiRequestsPerSecond: s.requestsPerSecond,
    monthlyUsd: { upstash, lambda, httpApi, total: upstash + lambda + httpApi },
  };
}

/** Every limit with the read rate at which it binds, lowest first. */
export function bindingLimits(s: Omit<Scenario, 'requestsPerSecond'>, env: EnvironmentConfig, p: ModelParameters = DEFAULT_PARAMETERS): BindingLimit[] {
  const perRequest = capacity({ ...s, requestsPerSecond: 1 }, env, p);
  const deployment = deploymentOf(env);
  const plan = UPSTASH_PLANS.find((x) => x.plan === 'pay-as-you-go') ?? UPSTASH_PLANS[0];
  const meanDuration = perRequest.lambdaConcurrency;
  const limits: BindingLimit[] = [
    { limit: `Upstash ${plan.plan}: ${plan.maxCommandsPerSecond.toLocaleString('en')} commands/s on the cache database`,
      bindsAtRps: plan.maxCommandsPerSecond / perRequest.cache.commandsPerSecond, source: plan.source },
    { limit: `Upstash ${plan.plan}: ${plan.maxCommandsPerSecond.toLocaleString('en')} commands/s on the guardrails database`,
      bindsAtRps: plan.maxCommandsPerSecond / Math.max(perRequest.guardrails.commandsPerSecond, 1e-9), source: plan.source },
    { limit: `Lambda concurrency, account default ${AWS_LIMITS.lambdaConcurrency.value.toLocaleString('en')}`,
      bindsAtRps: AWS_LIMITS.lambdaConcurrency.value / meanDuration, source: AWS_LIMITS.lambdaConcurrency.source },
    { limit: `API Gateway account throttle ${AWS_LIMITS.httpApiRps.value.toLocaleString('en')} rps (burst ${AWS_LIMITS.httpApiBurst.value.toLocaleString('en')})`,
      bindsAtRps: AWS_LIMITS.httpApiRps.value, source: AWS_LIMITS.httpApiRps.source },
    { limit: `HTTP API stage throttle of ${env.name}: ${deployment.api.throttling.rateLimit.toLocaleString('en')} rps (burst ${deployment.api.throttling.burstLimit.toLocaleString('en')})`,
      bindsAtRps: deployment.api.throttling.rateLimit, source: 'config/deployment.ts, config/environments.ts' },
  ];
  const reserved = deployment.lambdas.cache.reservedConcurrency;
  if (reserved !== undefined) {
    limits.push({ limit: `reserved concurrency of the cache function in ${env.name}: ${reserved}`,
      bindsAtRps: reserved / meanDuration, source: 'config/environments.ts' });
  }
  return limits.sort((a, b) => a.bindsAtRps - b.bindsAtRps);
}
