/**
 * Concurrent callers of one key in this instance share one promise (in-process single flight).
 * `maxJoinAgeMs` bounds how old a flight a newcomer may still join: a read that starts after an
 * acknowledged invalidation must not take an answer fetched well before it (docs/invariants.md).
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, { readonly promise: Promise<T>; readonly startedAt: number }>();

  constructor(private readonly maxJoinAgeMs = Number.POSITIVE_INFINITY, private readonly clock: () => number = Date.now) {}

  /** True when a flight of `key` is running that a newcomer may join. */
  has(key: string): boolean {
    return this.joinable(key) !== undefined;
  }

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.joinable(key);
    if (running) return running;
    const flight = { promise: fn().finally(() => { if (this.running.get(key) === flight) this.running.delete(key); }), startedAt: this.clock() };
    this.running.set(key, flight);
    return flight.promise;
  }

  private joinable(key: string): Promise<T> | undefined {
    const f = this.running.get(key);
    return f !== undefined && this.clock() - f.startedAt <= this.maxJoinAgeMs ? f.promise : undefined;
  }
}
