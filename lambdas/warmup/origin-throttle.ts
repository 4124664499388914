/**
 * Bounds what the warmup asks of an origin: at most `concurrency` requests in flight and starts
 * at least `1000 / ratePerSecond` ms apart. It wraps the engine's origin fetch, so the limits hold
 * exactly where the origin sees them (Redis round trips of the write path do not blur them). A
 * request counts as in flight until its body has been read.
 */
import type { FetchFn } from '../engine/origin';

export interface OriginThrottleOptions {
  readonly concurrency: number;
  readonly ratePerSecond: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class OriginThrottle {
  private readonly intervalMs: number;
  private readonly clock: () => number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStartMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: OriginThrottleOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${opts.concurrency}`);
    if (!(opts.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${opts.ratePerSecond}`);
    this.intervalMs = 1000 / opts.ratePerSecond;
    this.clock = opts.clock ?? Date.now;
  }

  /** Runs `fn` inside the limits. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      // Reserve the next start slot synchronously, so concurrent callers get distinct slots.
      const start = Math.max(this.clock(), this.nextStartMs);
      this.nextStartMs = start + this.intervalMs;
      // Timers may fire a millisecond early: wait until the clock really reached the slot.
      for (let now = this.clock(); now < start; now = this.clock()) await sleep(Math.ceil(start - now));
      return await fn();
    } finally {
      this.release();
    }
  }

  /** The fetch function with the limits applied; the body is read inside them. */
  wrap(fetchFn: FetchFn): FetchFn {
    return (url, init) => this.run(async () => {
      const res = await fetchFn(url, init);
      const body = await res.arrayBuffer();
      return new Response(isNullBodyStatus(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
    });
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.opts.concurrency) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.inFlight -= 1;
  }
}

/** Statuses a `Response` may not be constructed with a body for. */
function isNullBodyStatus(status: number): boolean {
  return status === 101 || status === 204 || status === 205 || status === 304;
}
