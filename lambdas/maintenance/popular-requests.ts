/**
 * The most requested paths, for the warmup's `popularLimit` option. A reader records every request
 * with `record()`, which only counts it in memory: the counts go to the GUARDRAILS database inside
 * the instance's next metrics flush (one script, at most every few seconds per instance, see
 * `../shared/metrics/flush-script.ts`), so counting popularity adds no Upstash command to a read.
 * The warmup reads the top N over the last days with `top()`.
 *
 * One sorted set per UTC day, `<env>:warmup:popular:<yyyymmdd>`, kept `retentionDays` and trimmed
 * to its top `maxPerDay` members by each flush; members are the request's surface, normalised path
 * and vary inputs only (never other query parameters or headers), so the set cannot grow with junk.
 *
 * The cache function calls `record()` from the engine's `onRead` hook.
 */
import type { Redis } from '@upstash/redis';
import type { EnvironmentConfig } from '../../config/types';
import type { WarmupTarget } from '../../config/warmup-manifest';
import type { AggregatingMetricsRecorder } from '../shared/metrics/aggregating-recorder';
import { pathFromResource, validateSegment } from '../engine/keys';
import { requestTarget } from '../engine/request-target';

export interface PopularRequestsOptions {
  /** Client of the guardrails database (read by `top()`). */
  readonly redis: Redis;
  readonly env: Pick<EnvironmentConfig, 'name' | 'surfaces'>;
  /** Where `record()` counts: the instance's metrics recorder, flushed to the guardrails database. */
  readonly recorder: Pick<AggregatingMetricsRecorder, 'incrementRanked'>;
  /** Days a daily set is kept. @default 8 */
  readonly retentionDays?: number;
  /** Members kept per day after a trim. @default 1000 */
  readonly maxPerDay?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

type Member = [surface: string, path: string, query: Record<string, string>, headers: Record<string, string>];

const DAY_MS = 86_400_000;

export class PopularRequests {
  private readonly retentionDays: number;
  private readonly maxPerDay: number;
  private readonly clock: () => number;

  constructor(private readonly opts: PopularRequestsOptions) {
    this.retentionDays = opts.retentionDays ?? 8;
    this.maxPerDay = opts.maxPerDay ?? 1000;
    this.clock = opts.clock ?? Date.now;
    validateSegment('env', opts.env.name);
  }

  dayKey(atMs: number): string {
    return `${this.opts.env.name}:warmup:popular:${new Date(atMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
  }

  /**
   * Counts one request until the next metrics flush. Returns false (and counts nothing) for a
   * request that cannot be a cache entry (unknown surface, bad path) or when the pending batch is
   * full. Never throws for user input.
   */
  record(req: WarmupTarget): boolean {
    const member = this.memberOf(req);
    if (!member) return false;
    return this.opts.recorder.incrementRanked(this.dayKey(this.clock()), member, 1,
      { ttlSeconds: this.retentionDays * 86_400, keep: this.maxPerDay });
  }

  /** The `limit` most requested targets over the last `lookbackDays` days, most requested first. */
  async top(limit: number, lookbackDays = 7): Promise<WarmupTarget[]> {
    if (limit <= 0) return [];
    const now = this.clock();
    const p = this.opts.redis.pipeline();
    for (let d = 0; d < lookbackDays; d++) p.zrange(this.dayKey(now - d * DAY_MS), 0, this.maxPerDay - 1, { rev: true, withScores: true });
    const days = (await p.exec()) as unknown[][];
    const scores = new Map<string, number>();
    for (const flat of days) {
      for (let i = 0; i + 1 < (flat?.length ?? 0); i += 2) {
        const member = String(flat[i]);
        scores.set(member, (scores.get(member) ?? 0) + Number(flat[i + 1]));
      }
    }
    const out: WarmupTarget[] = [];
    for (const [member] of [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
      const target = this.targetOf(member);
      if (target) out.push(target);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Canonical member of a request: surface, normalised path, vary inputs only, sorted. */
  private memberOf(req: WarmupTarget): string | undefined {
    const surface = this.opts.env.surfaces.find((s) => s.name === req.surface);
    if (!surface) return undefined;
    try {
      const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      const t = requestTarget(this.opts.env.name, surface, req.path, req.query ?? {}, headers);
      const pick = (names: readonly string[], from: Readonly<Record<string, string | undefined>>) =>
        Object.fromEntries([...names].sort().flatMap((n) => (from[n] !== undefined ? [[n, String(from[n]).trim()]] : [])));
      const member: Member = [surface.name, pathFromResource(t.resource), pick(surface.varyQuery, req.query ?? {}), pick(surface.varyHeaders, headers)];
      return JSON.stringify(member);
    } catch {
      return undefined;
    }
  }

  private targetOf(member: string): WarmupTarget | undefined {
    try {
      const [surface, path, query, headers] = JSON.parse(member) as Member;
      const target: WarmupTarget = { surface, path, query, headers };
      return this.memberOf(target) === member ? target : undefined;
    } catch {
      return undefined;
    }
  }
}
