/**
 * Circuit breaker with a timeout around every Redis call of the engine. After `failureThreshold`
 * consecutive failures (errors or timeouts) it opens: calls fail at once with `CircuitOpenError`
 * for `openMs`, then one probe is let through (half-open); a successful probe closes it again.
 * Timeouts count time on the wire only (`shared/loop-delay.ts`, also used by the Upstash client):
 * a cold start or a burst on a busy CPU does not, by itself, open the circuit.
 */
import { wireTimer } from '../shared/loop-delay';

export class CircuitOpenError extends Error {
  constructor() {
    super('circuit open: Redis is failing, calls are skipped');
    this.name = 'CircuitOpenError';
  }
}

export class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis call timed out after ${ms} ms`);
    this.name = 'RedisTimeoutError';
  }
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before a probe. @default 2000 */
  readonly openMs?: number;
  /** Timeout of each call; 0 leaves timeouts to the client. @default 500 */
  readonly timeoutMs?: number;
  readonly clock?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly timeoutMs: number;
  private readonly clock: () => number;

  constructor(opts: CircuitBreakerOptions = {}) {
    this.threshold = opts.failureThreshold ?? 5;
    this.openMs = opts.openMs ?? 2000;
    this.timeoutMs = opts.timeoutMs ?? 500;
    this.clock = opts.clock ?? Date.now;
  }

  state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.clock() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /** False while open (and while a half-open probe is already in flight). */
  allows(): boolean {
    const s = this.state();
    return s === 'closed' || (s === 'half-open' && !this.probing);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const s = this.state();
    if (s === 'open' || (s === 'half-open' && this.probing)) throw new CircuitOpenError();
    const probe = s === 'half-open';
    if (probe) this.probing = true;
    const timer = this.timeoutMs > 0 ? wireTimer(this.timeoutMs) : undefined;
    try {
      const result = timer === undefined ? await fn() : await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer.signal.addEventListener('abort', () => reject(new RedisTimeoutError(this.timeoutMs)), { once: true });
        }),
      ]);
      this.failures = 0;
      this.openedAt = undefined;
      return result;
    } catch (e) {
      this.failures += 1;
      if (probe || this.failures >= this.threshold) this.openedAt = this.clock();
      throw e;
    } finally {
      timer?.clear();
      if (probe) this.probing = false;
    }
  }
}
