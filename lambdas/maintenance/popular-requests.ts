/**
 * The most requested paths, for the warmup's `popularLimit` option. A reader records a request with
 * `record()`: a sample of reads (`sampleRate`) is counted with `ZINCRBY` (weighted by
 * 1/sampleRate) + `EXPIRE` on the GUARDRAILS database, issued as plain commands so that, with
 * auto-pipelining, they ride in the same request as the rate-limit check and add no round trip;
 * sampling keeps the command count (Upstash bills per command) small. The warmup reads the top N
 * over the last days with `top()`.
 *
 * One sorted set per UTC day, `<env>:warmup:popular:<yyyymmdd>`, kept `retentionDays`; members are
 * the request's surface, normalised path and vary inputs only (never other query parameters or
 * headers), so the set cannot grow with junk. Occasional `ZREMRANGEBYRANK` trims a day to its top
 * `maxPerDay` members.
 *
 * The cache function calls `record()` from the engine's `onRead` hook.
 */
import type { Redis } from '@upstash/redis';
import type { EnvironmentConfig } from '../../config/types';
import type { WarmupTarget } from '../../config/warmup-manifest';
import { pathFromResource, validateSegment } from '../engine/keys';
import { requestTarget } from '../engine/request-target';

export interface PopularRequestsOptions {
  /** Client of the guardrails database. */
  readonly redis: Redis;
  readonly env: Pick<EnvironmentConfig, 'name' | 'surfaces'>;
  /** Days a daily set is kept. @default 8 */
  readonly retentionDays?: number;
  /** Members kept per day after a trim. @default 1000 */
  readonly maxPerDay?: number;
  /** Share of reads counted (0..1]; each counted read weighs 1/sampleRate. @default 1 */
  readonly sampleRate?: number;
  /** Share of counted reads that also trim (0..1). @default 0.01 */
  readonly trimProbability?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
}

type Member = [surface: string, path: string, query: Record<string, string>, headers: Record<string, string>];

const DAY_MS = 86_400_000;

export class PopularRequests {
  private readonly retentionDays: number;
  private readonly maxPerDay: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly sampleRate: number;

  constructor(private readonly opts: PopularRequestsOptions) {
    this.retentionDays = opts.retentionDays ?? 8;
    this.maxPerDay = opts.maxPerDay ?? 1000;
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.sampleRate = opts.sampleRate ?? 1;
    if (!(this.sampleRate > 0 && this.sampleRate <= 1)) throw new Error(`sampleRate must be in (0, 1], got ${opts.sampleRate}`);
    validateSegment('env', opts.env.name);
  }

  dayKey(atMs: number): string {
    return `${this.opts.env.name}:warmup:popular:${new Date(atMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
  }

  /**
   * Counts one request. Returns false (and records nothing) for a request that cannot be a cache
   * entry: unknown surface or bad path. Never throws for user input.
   */
  async record(req: WarmupTarget): Promise<boolean> {
    if (this.sampleRate < 1 && this.random() >= this.sampleRate) return false;
    const member = this.memberOf(req);
    if (!member) return false;
    const key = this.dayKey(this.clock());
    const redis = this.opts.redis;
    // Plain commands, not redis.pipeline(): an explicit pipeline is a request of its own, while
    // auto-pipelining batches these with whatever else this tick sends to the guardrails database.
    const writes: Promise<unknown>[] = [
      redis.zincrby(key, 1 / this.sampleRate, member),
      redis.expire(key, this.retentionDays * 86_400),
    ];
    if (this.random() < (this.opts.trimProbability ?? 0.01)) writes.push(redis.zremrangebyrank(key, 0, -(this.maxPerDay + 1)));
    await Promise.all(writes);
    return true;
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
