/** Shared setup of the engine's integration tests: surfaces on a local origin, engines, requests. */
import type { Redis } from '@upstash/redis';
import { DEFAULT_READ_POLICY } from '../../config/surfaces';
import type { EnvironmentConfig, SurfaceConfig } from '../../config/types';
import { CacheRouter, type CacheRequest, type CacheRouterOptions } from '../../lambdas/cache/cache-router';
import { CacheEngine, type CacheEngineOptions, type RefreshResult } from '../../lambdas/engine/cache-engine';
import type { CircuitState } from '../../lambdas/engine/circuit-breaker';
import type { CredentialsSource, UpstashCredentials } from '../../lambdas/shared/credentials';
import type { HttpResult } from '../../lambdas/shared/http';
import type { MetricsRecorder } from '../../lambdas/shared/metrics/recorder';
import { createUpstashClient } from '../../lambdas/shared/upstash';
import type { TestUpstash } from '../support/upstash';

export function testSurfaces(originUrl: string, overrides: Partial<SurfaceConfig> = {}): SurfaceConfig[] {
  return [
    {
      name: 'marketing', originUrl: `${originUrl}/marketing`, ttlSeconds: 60, staleWhileRevalidateSeconds: 30,
      varyQuery: ['lang'], varyHeaders: ['accept-language'], storedHeaders: ['content-type', 'content-language'],
      rateLimit: DEFAULT_READ_POLICY, originTimeoutMs: 2_000, ...overrides,
    },
    {
      name: 'api', originUrl: `${originUrl}/api`, ttlSeconds: 30, staleWhileRevalidateSeconds: 10,
      varyQuery: ['page'], varyHeaders: ['accept'], storedHeaders: ['content-type'],
      rateLimit: DEFAULT_READ_POLICY, originTimeoutMs: 2_000, ...overrides,
    },
  ];
}

export function testEnv(originUrl: string, opts: { maxItemBytes?: number; redisTimeoutMs?: number; surface?: Partial<SurfaceConfig> } = {}):
  Pick<EnvironmentConfig, 'name' | 'surfaces' | 'runtime'> {
  return {
    name: 'dev',
    surfaces: testSurfaces(originUrl, opts.surface),
    runtime: { maxItemBytes: opts.maxItemBytes ?? 1024 * 1024, redisTimeoutMs: opts.redisTimeoutMs ?? 500, maxInflight: 1000, requestTimeoutMs: 10_000 },
  };
}

/** Fixed credentials that can be swapped, counting refreshes. */
export class TestCredentials implements CredentialsSource {
  refreshes = 0;
  constructor(private current: UpstashCredentials, private next?: UpstashCredentials) {}
  async get(): Promise<UpstashCredentials> { return this.current; }
  async refresh(): Promise<UpstashCredentials> {
    this.refreshes += 1;
    if (this.next) this.current = this.next;
    return this.current;
  }
}

/** A client the way the handler builds one: timeout, bounded retries, 401 refresh. */
export function clientFor(upstash: TestUpstash, timeoutMs = 500, metrics?: MetricsRecorder): Promise<Redis> {
  return createUpstashClient(new TestCredentials({ url: upstash.url, token: upstash.token }), { timeoutMs, metrics });
}

/** An engine behind the cache function's router, as the tests drive it. */
export class TestCache {
  readonly router: CacheRouter;
  constructor(readonly engine: CacheEngine, redis: Redis, opts: Partial<CacheRouterOptions> = {}) {
    this.router = new CacheRouter({ engine, cacheRedis: redis, redisTimeoutMs: 500, ...opts });
  }
  handle(req: CacheRequest): Promise<HttpResult> {
    return this.router.handle(req);
  }
  refresh(...args: Parameters<CacheEngine['refresh']>): Promise<RefreshResult> {
    return this.engine.refresh(...args);
  }
  circuitState(): CircuitState {
    return this.engine.circuitState();
  }
}

export async function engineFor(
  upstash: TestUpstash, originUrl: string,
  opts: Partial<CacheEngineOptions> & Pick<Partial<CacheRouterOptions>, 'metricsAuth'>
    & { maxItemBytes?: number; redisTimeoutMs?: number; surface?: Partial<SurfaceConfig> } = {},
): Promise<TestCache> {
  const { maxItemBytes, redisTimeoutMs, surface, metricsAuth, ...rest } = opts;
  const redis = rest.redis ?? await clientFor(upstash, redisTimeoutMs ?? 500);
  // One database for both roles unless a test says otherwise: authoritative keys have names of their own.
  const guardrails = rest.guardrails ?? redis;
  const engine = new CacheEngine({ env: testEnv(originUrl, { maxItemBytes, redisTimeoutMs, surface }), redis, xfetchBeta: 0, ...rest, guardrails });
  return new TestCache(engine, redis, { metricsAuth, redisTimeoutMs: redisTimeoutMs ?? 500 });
}

export function get(path: string, headers: Record<string, string> = {}, query: Record<string, string> = {}): CacheRequest {
  return { method: 'GET', path, headers, query, clientIp: '203.0.113.7' };
}

export function bodyOf(res: HttpResult): Buffer {
  return Buffer.from(res.body ?? '', res.isBase64Encoded ? 'base64' : 'utf8');
}

export function jsonOf(res: HttpResult): Record<string, unknown> {
  return JSON.parse(res.body ?? '') as Record<string, unknown>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
