/** Concurrent callers of one key in this instance share one promise (in-process single flight). */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  has(key: string): boolean {
    return this.running.has(key);
  }

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (running) return running;
    const p = fn().finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }
}
