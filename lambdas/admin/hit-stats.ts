import type { Redis } from '@upstash/redis';
import type { CounterName } from '../../contracts/metrics';
import { DEFAULT_METRICS_KEY_PREFIX, decodeField, metricKey } from '../shared/metrics/series-field';
import { validateSegment } from '../engine/keys';
import { allSettledOrThrow } from './settle';

/**
 * Cache hit figures for `/admin/status` and `cache:analyze`, read from the fleet-wide counters the
 * metrics recorder flushes to the guardrails database. Those counters only grow, so a time window
 * needs an earlier reading: every status read stores a snapshot (at most one per
 * `snapshotIntervalMs`, kept for `retentionMs`) and a window is the difference from the newest
 * snapshot at least that old. When the history is shorter than the window, the answer is the totals
 * since the counters started, and says so (no `coveredSeconds`).
 */

/** Reads of one namespace (a cache surface). */
export interface NamespaceCounts {
  readonly namespace: string;
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
}

export interface HitStats {
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  /** (hits + stale) / all reads; null with no reads. */
  readonly hitRate: number | null;
  readonly namespaces: readonly NamespaceCounts[];
  /** Window asked for, in seconds; absent for totals since the counters started. */
  readonly windowSeconds?: number;
  /** Seconds the figures cover; absent for totals since the counters started (history shorter than the window). */
  readonly coveredSeconds?: number;
  /** ISO time of the reading the window starts from. */
  readonly since?: string;
}

const COUNTERS: Record<'hits' | 'misses' | 'stale', CounterName> = {
  hits: 'cache_hits_total',
  misses: 'cache_misses_total',
  stale: 'cache_stale_served_total',
};

type Totals = Record<string, [hits: number, misses: number, stale: number]>;

interface Snapshot {
  readonly at: number;
  readonly totals: Totals;
}

export interface HitStatsReaderOptions {
  /** Guardrails database client. */
  readonly redis: Redis;
  readonly env: string;
  /** @default 'metrics' */
  readonly metricsKeyPrefix?: string;
  /** @default 60000 */
  readonly snapshotIntervalMs?: number;
  /** @default 8 days */
  readonly retentionMs?: number;
  readonly clock?: () => number;
}

function hitSnapshotsKey(env: string): string {
  return `${validateSegment('env', env)}:admin:hit-snapshots`;
}

export function hitRateOf(c: { hits: number; misses: number; stale: number }): number | null {
  const total = c.hits + c.misses + c.stale;
  return total === 0 ? null : (c.hits + c.stale) / total;
}

export class HitStatsReader {
  private readonly prefix: string;
  private readonly key: string;
  private readonly intervalMs: number;
  private readonly retentionMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: HitStatsReaderOptions) {
    this.prefix = options.metricsKeyPrefix ?? DEFAULT_METRICS_KEY_PREFIX;
    this.key = hitSnapshotsKey(options.env);
    this.intervalMs = options.snapshotIntervalMs ?? 60_000;
    this.retentionMs = options.retentionMs ?? 8 * 86_400_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Figures over the last `windowSeconds`, or since the counters started when it is absent. */
  async read(windowSeconds?: number): Promise<HitStats> {
    const now = this.clock();
    const [current, latest] = await allSettledOrThrow([this.totals(), this.snapshotsBetween(Number.POSITIVE_INFINITY, 1)]);
    await this.maybeSnapshot(now, current, latest[0]);
    if (windowSeconds === undefined) return summarize(current);
    const [baseline] = await this.snapshotsBetween(now - windowSeconds * 1000, 1);
    // History shorter than the window: the totals since the counters started are the honest answer.
    if (!baseline) return { ...summarize(current), windowSeconds };
    return {
      ...summarize(difference(current, baseline.totals)),
      windowSeconds,
      coveredSeconds: Math.round((now - baseline.at) / 1000),
      since: new Date(baseline.at).toISOString(),
    };
  }

  private async totals(): Promise<Totals> {
    // Index i of a row is the i-th counter of COUNTERS.
    const hashes = await allSettledOrThrow(Object.values(COUNTERS).map((name) => this.options.redis.hgetall(metricKey(this.prefix, name))));
    const totals: Totals = {};
    hashes.forEach((hash, index) => {
      for (const [field, value] of hashEntries(hash)) {
        const decoded = decodeField(field);
        const namespace = decoded?.labels.namespace;
        if (!decoded || decoded.suffix !== '' || namespace === undefined) continue;
        const row = (totals[namespace] ??= [0, 0, 0]);
        row[index] += Number(value) || 0;
      }
    });
    return totals;
  }

  /** The newest snapshots taken at `maxAt` or before, newest first. */
  private async snapshotsBetween(maxAt: number, count: number): Promise<Snapshot[]> {
    const raw = await this.options.redis.zrange<string[]>(this.key, maxAt === Number.POSITIVE_INFINITY ? '+inf' : maxAt, '-inf', {
      byScore: true,
      rev: true,
      offset: 0,
      count,
    });
    return raw.map(parseSnapshot).filter((s): s is Snapshot => s !== undefined);
  }

  private async maybeSnapshot(now: number, totals: Totals, latest: Snapshot | undefined): Promise<void> {
    if (latest && now - latest.at < this.intervalMs) return;
    const tx = this.options.redis.multi();
    tx.zadd(this.key, { score: now, member: JSON.stringify({ at: now, totals } satisfies Snapshot) });
    tx.zremrangebyscore(this.key, '-inf', now - this.retentionMs);
    await tx.exec();
  }
}

/** HGETALL answers a flat field/value array when the client does not deserialize, else an object. */
function hashEntries(hash: unknown): [string, unknown][] {
  if (Array.isArray(hash)) {
    const pairs: [string, unknown][] = [];
    for (let i = 0; i + 1 < hash.length; i += 2) pairs.push([String(hash[i]), hash[i + 1]]);
    return pairs;
  }
  return hash && typeof hash === 'object' ? Object.entries(hash) : [];
}

function parseSnapshot(raw: unknown): Snapshot | undefined {
  try {
    const value = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Snapshot;
    return typeof value?.at === 'number' && typeof value.totals === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Counter increase since `base`; a counter below its base was reset, so its whole value counts. */
function difference(current: Totals, base: Totals): Totals {
  const out: Totals = {};
  for (const [namespace, values] of Object.entries(current)) {
    const before = base[namespace] ?? [0, 0, 0];
    out[namespace] = values.map((v, i) => (v >= before[i] ? v - before[i] : v)) as [number, number, number];
  }
  return out;
}

function summarize(totals: Totals): HitStats {
  const namespaces = Object.entries(totals)
    .map(([namespace, [hits, misses, stale]]) => ({ namespace, hits, misses, stale }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace));
  const hits = namespaces.reduce((s, n) => s + n.hits, 0);
  const misses = namespaces.reduce((s, n) => s + n.misses, 0);
  const stale = namespaces.reduce((s, n) => s + n.stale, 0);
  return { hits, misses, stale, hitRate: hitRateOf({ hits, misses, stale }), namespaces };
}
