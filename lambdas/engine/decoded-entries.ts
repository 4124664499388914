/**
 * Decoded entries by the exact string Redis returned. Not an L1: every read still costs its
 * `MGET`, so invalidations stay instant; this only skips parsing, checksum and inflating again when
 * the stored bytes are the same as last time (a hot key). Bounded by the bytes it holds.
 */
import type { Envelope } from './envelope';

interface Memo {
  readonly raw: string;
  readonly entry: Envelope;
  readonly bytes: number;
}

export class DecodedEntries {
  private readonly memo = new Map<string, Memo>();
  private bytes = 0;

  constructor(private readonly maxBytes = 8 * 1024 * 1024) {}

  /** The entry decoded from `raw` earlier, if `raw` is exactly what was stored under `key` then. */
  get(key: string, raw: string): Envelope | undefined {
    const m = this.memo.get(key);
    return m !== undefined && m.raw === raw ? m.entry : undefined;
  }

  set(key: string, raw: string, entry: Envelope): void {
    const bytes = raw.length * 2 + entry.payload.body.byteLength;
    if (bytes > this.maxBytes / 4) return;
    this.delete(key);
    this.memo.set(key, { raw, entry, bytes });
    this.bytes += bytes;
    // Oldest first: Map keeps insertion order.
    for (const [k] of this.memo) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(k);
    }
  }

  delete(key: string): void {
    const m = this.memo.get(key);
    if (m === undefined) return;
    this.memo.delete(key);
    this.bytes -= m.bytes;
  }
}
