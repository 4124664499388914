/**
 * A load loop of cache reads through the platform's Upstash client (`createUpstashClient`, which
 * refreshes credentials once on a 401), counting user-visible failures and the 401s it recovered from.
 */
import type { Redis } from '@upstash/redis';
import type { CounterName, Labels } from '../../lambdas/shared/metrics/catalog';
import type { MetricsRecorder } from '../../lambdas/shared/metrics/recorder';

/** Counts `upstash_requests_total` by outcome. */
export class OutcomeCounter implements MetricsRecorder {
  readonly outcomes: Record<string, number> = {};
  increment(name: CounterName, labels?: Labels, value = 1): void {
    if (name === 'upstash_requests_total') {
      const outcome = labels?.outcome ?? 'unknown';
      this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + value;
    }
  }
  observe(): void {}
  setGauge(): void {}
  count(outcome: string): number {
    return this.outcomes[outcome] ?? 0;
  }
}

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
