/**
 * Load loops during a rotation: raw reads through the platform's Upstash client
 * (`createUpstashClient`, which refreshes credentials once on a 401), and full cache reads through
 * `CacheEngine`, counting user-visible failures and the 401s recovered from.
 */
import type { Redis } from '@upstash/redis';
import { environment } from '../../config/environments';
import type { EnvironmentConfig } from '../../config/types';
import type { CacheRouter } from '../../lambdas/cache/cache-router';

export interface LoadResult {
  /** Reads that returned the expected value. */
  ok: number;
  /** Reads that failed or returned something else: what a user would have seen. */
  failed: number;
  errors: string[];
}

export interface LoadLoop {
  readonly result: LoadResult;
  /** Stops the workers and waits for them. */
  stop(): Promise<LoadResult>;
}

/** `workers` loops per client, each reading `key` and expecting `expected`, until stopped. */
export function startLoad(clients: readonly Redis[], key: string, expected: string, workers = 2): LoadLoop {
  const result: LoadResult = { ok: 0, failed: 0, errors: [] };
  let running = true;
  const loops = clients.flatMap((redis) =>
    Array.from({ length: workers }, async () => {
      while (running) {
        try {
          const value = await redis.get<string>(key);
          if (value === expected) result.ok++;
          else {
            result.failed++;
            result.errors.push(`unexpected value ${JSON.stringify(value)}`);
          }
        } catch (error) {
          result.failed++;
          result.errors.push((error as Error).message);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/** Runs `probe` in a loop until stopped; counts failures (used to watch that AWSCURRENT always works). */
export function startProbe(probe: () => Promise<void>): { stop(): Promise<{ ok: number; failed: string[] }> } {
  const out = { ok: 0, failed: [] as string[] };
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await probe();
        out.ok++;
      } catch (error) {
        out.failed.push((error as Error).message);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return out;
    },
  };
}

export interface EngineLoadResult {
  /** Reads answered 200 from the cache (`X-Cache: HIT`). */
  hits: number;
  /** Reads answered 200 another way (BYPASS to the origin, MISS): degraded, not failed. */
  degraded: number;
  /** Reads a user saw fail: any non-200. */
  failed: number;
  statuses: string[];
}

/**
 * `workers` loops per engine, each reading `path` through the cache function's router (the full read
 * path: one MGET, envelope, generations), until stopped.
 */
export function startEngineLoad(engines: readonly Pick<CacheRouter, 'handle'>[], path: string, workers = 2): { stop(): Promise<EngineLoadResult> } {
  const result: EngineLoadResult = { hits: 0, degraded: 0, failed: 0, statuses: [] };
  let running = true;
  const loops = engines.flatMap((engine) =>
    Array.from({ length: workers }, async () => {
      while (running) {
        const res = await engine.handle({ method: 'GET', path, headers: {}, query: {} });
        if (res.statusCode !== 200) {
          result.failed++;
          result.statuses.push(`${res.statusCode} ${String(res.body).slice(0, 120)}`);
        } else if (res.headers['x-cache'] === 'HIT') result.hits++;
        else result.degraded++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/** The dev environment with every surface's origin pointed at `originUrl`. */
export function engineEnvironment(originUrl: string): EnvironmentConfig {
  const env = environment('dev');
  return { ...env, surfaces: env.surfaces.map((s) => ({ ...s, originUrl: `${originUrl}/${s.name}` })) };
}
