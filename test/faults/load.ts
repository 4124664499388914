/**
 * Steady read load for the fault scenarios: a few workers, each with its own source address (so
 * the per-IP rate limit never refuses the load itself), each sending one request at a time with a
 * short pause, recording what every request got.
 */
import { send } from '../e2e/client';

export type CacheStatus = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

export interface Sample {
  /** When the request was sent, in `Date.now()` milliseconds. */
  readonly startedAt: number;
  readonly ms: number;
  readonly path: string;
  /** 0 when no HTTP answer arrived (connection error, client timeout). */
  readonly status: number;
  readonly xcache?: CacheStatus;
  readonly error?: string;
}

export interface LoadOptions {
  /** Read paths, e.g. `/c/marketing/blog/a`; workers take them in turn. */
  readonly paths: readonly string[];
  /** @default 6 */
  readonly workers?: number;
  /** Pause of each worker between two requests. @default 20 */
  readonly pauseMs?: number;
  /** Third octet of the workers' source addresses `127.0.<n>.<worker + 1>`. @default 1 */
  readonly ipBlock?: number;
}

export interface Load {
  /** Samples so far (the array keeps growing until `stop()`). */
  readonly samples: readonly Sample[];
  stop(): Promise<readonly Sample[]>;
}

export function startLoad(baseUrl: string, opts: LoadOptions): Load {
  const samples: Sample[] = [];
  let running = true;
  let turn = 0;
  const worker = async (w: number): Promise<void> => {
    const ip = `127.0.${opts.ipBlock ?? 1}.${w + 1}`;
    while (running) {
      const path = opts.paths[turn++ % opts.paths.length] as string;
      const startedAt = Date.now();
      try {
        const res = await send(`${baseUrl}${path}`, { ip, timeoutMs: 10_000 });
        samples.push({ startedAt, ms: res.ms, path, status: res.status, xcache: res.headers['x-cache'] as CacheStatus | undefined });
      } catch (error) {
        samples.push({ startedAt, ms: Date.now() - startedAt, path, status: 0, error: (error as Error).message });
      }
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 20));
    }
  };
  const done = Promise.all(Array.from({ length: opts.workers ?? 6 }, (_, w) => worker(w)));
  return {
    samples,
    async stop() {
      running = false;
      await done;
      return samples;
    },
  };
}
