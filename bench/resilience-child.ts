/**
 * One scenario of `resilience.bench.ts` in a fresh process (cold: no warmed connections, JIT or
 * caches), built the way the cache function builds its engine (500 ms Upstash timeout enforced by
 * the client). Prints one JSON line with what it saw. Usage: `tsx resilience-child.ts '<json>'`.
 */
import { DEFAULT_READ_POLICY } from '../config/surfaces';
import { CacheRouter } from '../lambdas/cache/cache-router';
import { CacheEngine } from '../lambdas/engine/cache-engine';
import { setBypass } from '../lambdas/engine/invalidation';
import { createUpstashClient } from '../lambdas/shared/upstash';

export interface ChildScenario {
  readonly kind: 'stampede' | 'redis-down' | 'bypass' | 'memory';
  readonly upstashUrl: string;
  readonly token: string;
  readonly originUrl: string;
  readonly instances: number;
  readonly requests: number;
  /** Distinct paths the requests spread over (memory: one 50 MB body each). */
  readonly paths: readonly string[];
}

export interface ChildResult {
  readonly statuses: Record<string, number>;
  readonly distinctBodies: number;
  /** memory: peak RSS above the RSS before the burst, in bytes. */
  readonly peakRssGrowthBytes?: number;
}

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2] ?? '{}') as ChildScenario;
  const creds = { url: s.upstashUrl, token: s.token };
  const source = { get: async () => creds, refresh: async () => creds };
  const env = {
    name: 'dev' as const,
    surfaces: [{
      name: 'api', originUrl: s.originUrl, ttlSeconds: 300, staleWhileRevalidateSeconds: 60, varyQuery: [], varyHeaders: [],
      storedHeaders: ['content-type'], rateLimit: DEFAULT_READ_POLICY, originTimeoutMs: 5000,
    }],
    runtime: { maxItemBytes: 1024 * 1024, redisTimeoutMs: 500, maxInflight: 10_000, requestTimeoutMs: 10_000 },
  };
  const routers = await Promise.all(Array.from({ length: s.instances }, async () => {
    const redis = await createUpstashClient(source, { timeoutMs: 500 });
    const guardrails = await createUpstashClient(source, { timeoutMs: 500, database: 'guardrails' });
    return new CacheRouter({ engine: new CacheEngine({ env, redis, guardrails, breaker: { timeoutMs: 0 } }), cacheRedis: redis, redisTimeoutMs: 500 });
  }));
  if (s.kind === 'bypass') {
    const admin = await createUpstashClient(source);
    await setBypass({ cache: admin, guardrails: admin }, 'dev', 'api', true, 60);
  }
  // Memory: from a process that has served a request, as the running dev server the issue measured
  // had; the first request's one-time costs (loading the fetch client, compiling the read path)
  // are not body memory.
  if (s.kind === 'memory') await (routers[0] as CacheRouter).handle({ method: 'GET', path: '/c/api/warm/0', headers: {}, query: {} });
  let peak = 0;
  const baseline = process.memoryUsage().rss;
  const sampler = s.kind === 'memory' ? setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 2) : undefined;
  const answers = await Promise.all(Array.from({ length: s.requests }, (_, i) =>
    (routers[i % routers.length] as CacheRouter).handle({ method: 'GET', path: s.paths[i % s.paths.length] as string, headers: {}, query: {} })));
  if (sampler) clearInterval(sampler);
  const statuses: Record<string, number> = {};
  for (const a of answers) {
    const k = `${a.statusCode} ${a.headers['x-cache'] ?? ''}`.trim();
    statuses[k] = (statuses[k] ?? 0) + 1;
  }
  const result: ChildResult = {
    statuses,
    distinctBodies: new Set(answers.map((a) => a.body)).size,
    ...(sampler ? { peakRssGrowthBytes: Math.max(0, peak - baseline) } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
