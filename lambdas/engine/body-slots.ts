/**
 * Bounds the memory origin bodies take in one process. Any body is buffered freely up to
 * `freeBytes`; past that, reading on needs one of a few slots, and a read without one waits for it
 * (the stream is not read meanwhile: the origin's TCP window fills and nothing more is buffered)
 * until its timeout. A Lambda instance serves one request at a time and never waits; the dev server
 * or a container serving many does, so 16 concurrent 50 MB bodies hold about
 * 16 × `freeBytes` + `slots` × the pass-through cap instead of 16 × the cap.
 */

/** Frees the slot; calling it more than once is harmless. */
export type ReleaseBodySlot = () => void;

export interface BodySlotsOptions {
  /** Bodies read past `freeBytes` at once. @default 4 */
  readonly slots?: number;
  /** Bytes any body may buffer without a slot. @default 1 MiB */
  readonly freeBytes?: number;
}

export class BodySlots {
  readonly slots: number;
  readonly freeBytes: number;
  private taken = 0;
  private readonly waiting = new Set<() => void>();

  constructor(opts: BodySlotsOptions = {}) {
    this.slots = opts.slots ?? 4;
    this.freeBytes = opts.freeBytes ?? 1024 * 1024;
    if (!Number.isInteger(this.slots) || this.slots < 1) throw new RangeError(`slots must be an integer >= 1, got ${JSON.stringify(opts.slots)}`);
    if (!Number.isInteger(this.freeBytes) || this.freeBytes < 0) {
      throw new RangeError(`freeBytes must be an integer >= 0, got ${JSON.stringify(opts.freeBytes)}`);
    }
  }

  /** Slots in use, for tests. */
  get inUse(): number {
    return this.taken;
  }

  /** Waits for a slot, first come first served; rejects with the signal's reason once it aborts. */
  acquire(signal: AbortSignal): Promise<ReleaseBodySlot> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.taken < this.slots) {
      this.taken += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting.delete(grant);
        reject(signal.reason);
      };
      // A released slot passes straight to the oldest waiter (`taken` stays as it is).
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.releaser());
      };
      this.waiting.add(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): ReleaseBodySlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.values().next();
      if (next.done) {
        this.taken -= 1;
        return;
      }
      this.waiting.delete(next.value);
      next.value();
    };
  }
}

/** The process's slots: every engine in the process shares them, as they share its memory. */
export const PROCESS_BODY_SLOTS = new BodySlots();
