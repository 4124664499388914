/**
 * Rate limiter accuracy and cost on a real redis-server behind the local Upstash server.
 * Target (a target of report-targets.ts): 5,000 concurrent requests at limit 100 let exactly 100 through.
 * Also prints Upstash requests per check and sequential check latency. Run: `tsx bench/ratelimit.bench.ts`.
 */
import { Redis } from '@upstash/redis';
import type { RateLimitAlgorithm } from '../config/types';
import { RateLimiterManager } from '../lambdas/guardrails/rate-limiter';
import { startRedisServer } from '../local/redis-process';
import { startUpstashServer } from '../local/upstash-server';

const CONCURRENT = 5000;
const LIMIT = 100;
const SEQUENTIAL_CHECKS = 200;

export interface RateLimitBenchResult {
  readonly accuracy: readonly { algorithm: RateLimitAlgorithm; allowed: number; expected: number; burstMs: number }[];
  readonly upstashRequestsPerCheck: number;
  readonly checkLatencyMs: { readonly p50: number; readonly p95: number };
  readonly exact: boolean;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function run(): Promise<RateLimitBenchResult> {
  const redisProcess = await startRedisServer();
  const server = await startUpstashServer({ redisUrl: redisProcess.url });
  try {
    const redis = new Redis({ url: server.url, token: server.token, automaticDeserialization: false, enableTelemetry: false });
    const algorithms: RateLimitAlgorithm[] = ['sliding-window', 'fixed-window', 'token-bucket'];
    const manager = new RateLimiterManager({
      redis, env: 'dev',
      policies: Object.fromEntries(algorithms.map((algorithm) => [
        algorithm, { algorithm, limit: LIMIT, windowSeconds: 600, refillRate: 1, keyBy: 'ip' as const, failMode: 'closed' as const, timeoutMs: 5000 },
      ])),
    });

    const accuracy = [];
    for (const algorithm of algorithms) {
      // Keep the burst inside one 10 min window so "per window" is what is measured.
      const left = 600_000 - (Date.now() % 600_000);
      if (left < 10_000) await new Promise((r) => setTimeout(r, left + 20));
      const started = performance.now();
      const decisions = await Promise.all(Array.from({ length: CONCURRENT }, () => manager.limit(algorithm, '198.51.100.1')));
      const burstMs = Math.round(performance.now() - started);
      const failed = decisions.filter((d) => d.outcome === 'failed_closed').length;
      if (failed > 0) throw new Error(`${failed} checks failed closed during the ${algorithm} burst: the figure would be meaningless`);
      accuracy.push({ algorithm, allowed: decisions.filter((d) => d.allowed).length, expected: LIMIT, burstMs });
    }

    await manager.limit('sliding-window', '198.51.100.2'); // loads nothing new, warms the path
    server.resetRequestCount();
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL_CHECKS; i++) {
      const started = performance.now();
      await manager.limit('sliding-window', `198.51.100.${(i % 50) + 3}`);
      latencies.push(performance.now() - started);
    }
    const upstashRequestsPerCheck = server.requestCount() / SEQUENTIAL_CHECKS;
    latencies.sort((a, b) => a - b);
    const result: RateLimitBenchResult = {
      accuracy,
      upstashRequestsPerCheck,
      checkLatencyMs: { p50: Number(percentile(latencies, 50).toFixed(2)), p95: Number(percentile(latencies, 95).toFixed(2)) },
      exact: accuracy.every((a) => a.allowed === a.expected),
    };

    console.log(`rate limiter: ${CONCURRENT} concurrent requests at limit ${LIMIT} (target: exactly ${LIMIT} allowed)`);
    for (const a of accuracy) {
      console.log(`  ${a.algorithm.padEnd(15)} allowed ${a.allowed} / ${a.expected}  (${(a.allowed / a.expected).toFixed(2)}x)  burst ${a.burstMs} ms`);
    }
    console.log(`  Upstash requests per check: ${upstashRequestsPerCheck.toFixed(2)} (target 1)`);
    console.log(`  sequential check latency: p50 ${result.checkLatencyMs.p50} ms, p95 ${result.checkLatencyMs.p95} ms`);
    console.log(`  ${result.exact ? 'OK: exact' : 'MISSED: not exact'}`);
    return result;
  } finally {
    await server.close();
    await redisProcess.stop();
  }
}

if (require.main === module) {
  run().then((r) => { process.exitCode = r.exact ? 0 : 1; }, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
