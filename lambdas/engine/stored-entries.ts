/**
 * Stored entries as the read path sees them: decoded (once per distinct stored string, through
 * `DecodedEntries`) and checked against the one "is current" rule. A corrupt entry is counted,
 * deleted when the caller asks to heal, and reads as absent.
 */
import type { Redis } from '@upstash/redis';
import type { MetricsRecorder } from '../shared/metrics/recorder';
import { DecodedEntries } from './decoded-entries';
import { CorruptEntryError, decodeEnvelope, type Envelope, type Generations } from './envelope';
import { isCurrent } from './freshness';
import type { VersionRegistry } from './version-registry';

export interface StoredEntriesOptions {
  readonly redis: Redis;
  readonly registry: VersionRegistry;
  readonly metrics: MetricsRecorder;
  /** Runs a Redis call through the engine's breaker. */
  readonly call: <T>(fn: () => Promise<T>) => Promise<T>;
}

export class StoredEntries {
  private readonly decoded = new DecodedEntries();

  constructor(private readonly opts: StoredEntriesOptions) {}

  /** `usable` without awaiting anything, for a `raw` decoded before (a hot key); else `'undecoded'`. */
  usableDecoded(key: string, surface: string, raw: string, generations: Generations): Envelope | undefined | 'undecoded' {
    const entry = this.decoded.get(key, raw);
    if (entry === undefined) return 'undecoded';
    return isCurrent(entry, surface, generations, this.opts.registry) ? entry : undefined;
  }

  /** The entry stored as `raw` under `key`, when it decodes and is current; else undefined. */
  async usable(key: string, surface: string, raw: string, generations: Generations, heal: boolean): Promise<Envelope | undefined> {
    const known = this.usableDecoded(key, surface, raw, generations);
    if (known !== 'undecoded') return known;
    let entry: Envelope;
    try {
      entry = decodeEnvelope(raw);
      this.decoded.set(key, raw, entry);
    } catch (e) {
      if (!(e instanceof CorruptEntryError)) throw e;
      this.decoded.delete(key);
      if (heal) await this.heal(key, surface, e);
      return undefined;
    }
    return isCurrent(entry, surface, generations, this.opts.registry) ? entry : undefined;
  }

  private async heal(key: string, surface: string, e: CorruptEntryError): Promise<void> {
    const { metrics, redis } = this.opts;
    if (e.reason !== 'schema') metrics.increment('cache_corrupt_entries_total', { namespace: surface });
    metrics.increment('cache_evictions_total', { namespace: surface, reason: e.reason === 'schema' ? 'schema' : 'corrupt' });
    await this.opts.call(() => redis.del(key)).catch(() => undefined);
  }
}
