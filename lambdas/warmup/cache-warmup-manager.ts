/**
 * The scheduled cache warmup. One run at a time (a job lock in the guardrails database; a second
 * run answers `locked` and does nothing):
 * 1. resolves the manifest's targets (plus, optionally, the most requested paths) to cache keys;
 * 2. skips entries that are fresh and stay fresh for `minRemainingSeconds` (one inspect + one MGET
 *    of generations per 500 targets, no values moved);
 * 3. refreshes the rest through the engine's own write path (`CacheEngine.refresh`), so warmed
 *    entries are exactly what a reader's miss would have stored, with at most `concurrency`
 *    refreshes at once; the engine's origin fetch is wrapped in an `OriginThrottle` by
 *    `createWarmupEngine`, which also caps the origin's request rate;
 * 4. reports warmed / skipped / failed with durations, as metrics and as the returned JSON.
 * Idempotent: a rerun (or a retry after a failure) finds the warmed entries fresh and skips them.
 */
import type { Redis } from '@upstash/redis';
import type { EnvironmentConfig } from '../../config/types';
import type { DatabaseLabel } from '../../contracts/database-roles';
import { cacheDatabaseFor } from '../../config/cache-databases';
import type { WarmupManifest } from '../../config/warmup-manifest';
import { INSPECT_SCRIPT, inspectArgs, parseInspection, type KeyInspection } from '../maintenance/entry-inspector';
import { CacheEngine } from '../engine/cache-engine';
import { ENVELOPE_SCHEMA_VERSION } from '../engine/envelope';
import { GENERATION_ABSENT } from '../engine/cache-state';
import { authoritativeKey } from '../engine/keys';
import type { FetchFn } from '../engine/origin';
import { DEFAULT_VERSION_REGISTRY, type VersionRegistry } from '../engine/version-registry';
import type { DistributedLockCoordinator, Lock } from '../guardrails/lock-coordinator';
import type { MetricsRecorder } from '../shared/metrics/recorder';
import { NOOP_METRICS } from '../shared/metrics/recorder';
import { resolveTarget, validateWarmupManifest, type ResolvedTarget } from './manifest';
import { OriginThrottle } from './origin-throttle';
import type { PopularRequests } from '../maintenance/popular-requests';
import { functionLogger, type Logger } from '../shared/logger';

export type WarmupOutcome = 'warmed' | 'skipped' | 'failed';

export interface WarmupTargetResult {
  readonly surface: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly key: string;
  readonly source: ResolvedTarget['source'];
  readonly outcome: WarmupOutcome;
  /** Why a target failed: `origin_error`, `not_storable`, `oversize`, `redis_unavailable`, `deadline`, `error`. */
  readonly reason?: string;
  /** Origin status of a refresh (0 when the origin could not be reached). */
  readonly status?: number;
  /** Time of the refresh; 0 for skipped targets. */
  readonly durationMs: number;
}

export interface WarmupReport {
  readonly job: 'warmup';
  /**
   * `completed`: every target warmed or skipped; `partial`: some targets failed (see `targets`);
   * `locked`: another run holds the lock, nothing done; `failed`: the run itself failed (`error`).
   */
  readonly status: 'completed' | 'partial' | 'locked' | 'failed';
  readonly env: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly total: number;
  readonly warmed: number;
  readonly skipped: number;
  readonly failed: number;
  readonly limits: { readonly concurrency: number; readonly ratePerSecond: number };
  readonly targets: WarmupTargetResult[];
  readonly error?: string;
}

export interface CacheWarmupManagerOptions {
  readonly env: Pick<EnvironmentConfig, 'name' | 'surfaces'>;
  /** The write path (build it with `createWarmupEngine` so the origin is throttled). */
  readonly engine: Pick<CacheEngine, 'refresh'>;
  /** Client of the cache database (freshness check). */
  readonly cache: Redis;
  /** Clients of the further cache databases (`upstash.cacheShards`) by the surfaces they hold. @default - one cache database */
  readonly cacheShards?: ReadonlyMap<string, Redis>;
  /** Client of the guardrails database, where the generations are authoritative (freshness check). */
  readonly guardrails: Redis;
  /** Job lock (guardrails database). */
  readonly locks: Pick<DistributedLockCoordinator, 'tryAcquire'>;
  /** Source of the most requested paths (`manifest.popularLimit`). @default - none */
  readonly popular?: Pick<PopularRequests, 'top'>;
  /** @default DEFAULT_VERSION_REGISTRY */
  readonly registry?: VersionRegistry;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default functionLogger('warmup') */
  readonly logger?: Logger;
}

const warmupLockKey = (env: string): string => `${env}:job:warmup`;
const FRESHNESS_CHUNK = 500;
const MIN_LEASE_MS = 60_000;

/**
 * The engine the warmup writes through: the reader's own `CacheEngine` (same keys, envelope,
 * TTLs, generations), with its origin fetch inside an `OriginThrottle` of the manifest's limits.
 */
export function createWarmupEngine(opts: {
  env: Pick<EnvironmentConfig, 'name' | 'surfaces' | 'runtime' | 'upstash'>; redis: Redis; guardrails: Redis; manifest: Pick<WarmupManifest, 'concurrency' | 'ratePerSecond'>;
  metrics?: MetricsRecorder; registry?: VersionRegistry; fetch?: FetchFn;
  /** Clients of the further cache databases by the surfaces they hold: one engine each, one throttle for all. */
  cacheShards?: ReadonlyMap<string, Redis>;
}): Pick<CacheEngine, 'refresh'> {
  const throttle = new OriginThrottle({ concurrency: opts.manifest.concurrency, ratePerSecond: opts.manifest.ratePerSecond });
  const fetchFn = throttle.wrap(opts.fetch ?? ((url, init) => fetch(url, init)));
  const engineOn = (redis: Redis, database: DatabaseLabel): CacheEngine =>
    new CacheEngine({ env: opts.env, redis, database, guardrails: opts.guardrails, metrics: opts.metrics, registry: opts.registry, fetch: fetchFn });
  const defaultEngine = engineOn(opts.redis, 'cache');
  const shardEngines = new Map([...opts.cacheShards ?? []].map(([surface, redis]) => [redis, engineOn(redis, cacheDatabaseFor(opts.env, surface).label)]));
  return {
    refresh: (surface, ...rest) => {
      const shard = opts.cacheShards?.get(surface);
      return (shard ? shardEngines.get(shard) ?? defaultEngine : defaultEngine).refresh(surface, ...rest);
    },
  };
}

export class CacheWarmupManager {
  private readonly registry: VersionRegistry;
  private readonly metrics: MetricsRecorder;
  private readonly clock: () => number;

  constructor(private readonly opts: CacheWarmupManagerOptions) {
    this.registry = opts.registry ?? DEFAULT_VERSION_REGISTRY;
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * Runs the warmup; throws `WarmupManifestError` for a bad manifest before touching anything.
   * Targets not started by `deadlineAtMs` (e.g. the Lambda's end less a margin) fail with reason
   * `deadline`, so an invocation never times out mid-write.
   */
  async run(manifest: WarmupManifest, options: { readonly deadlineAtMs?: number } = {}): Promise<WarmupReport> {
    const manifestTargets = validateWarmupManifest(this.opts.env, manifest);
    const started = this.clock();
    const results: WarmupTargetResult[] = [];
    const report = (status: WarmupReport['status'], error?: string): WarmupReport => {
      const n = (o: WarmupOutcome) => results.filter((r) => r.outcome === o).length;
      return {
        job: 'warmup', status, env: this.opts.env.name, startedAt: new Date(started).toISOString(), durationMs: this.clock() - started,
        total: results.length, warmed: n('warmed'), skipped: n('skipped'), failed: n('failed'),
        limits: { concurrency: manifest.concurrency, ratePerSecond: manifest.ratePerSecond }, targets: results, ...(error ? { error } : {}),
      };
    };
    // Long enough for the whole run at the rate limit, renewed as it goes.
    const leaseMs = Math.max(MIN_LEASE_MS, 2 * 1000 * (manifestTargets.length + (manifest.popularLimit ?? 0)) / manifest.ratePerSecond);
    let lock: Lock | null;
    try {
      lock = await this.opts.locks.tryAcquire(warmupLockKey(this.opts.env.name), { ttlMs: leaseMs });
    } catch (e) {
      return this.finish(report('failed', `job lock unavailable: ${(e as Error).message}`));
    }
    if (!lock) return report('locked');
    try {
      const targets = [...manifestTargets, ...await this.popularTargets(manifest.popularLimit ?? 0, manifestTargets)];
      const fresh = await this.freshKeys(targets, manifest.minRemainingSeconds ?? 60);
      const stale: ResolvedTarget[] = [];
      for (const t of targets) {
        if (fresh.has(t.key)) results.push(this.result(t, 'skipped', 0));
        else stale.push(t);
      }
      const lost = await this.warm(stale, manifest.concurrency, lock, leaseMs, options.deadlineAtMs ?? Number.POSITIVE_INFINITY, results);
      if (lost) return this.finish(report('failed', 'the job lock was lost mid-run; stopped'));
      return this.finish(report(results.some((r) => r.outcome === 'failed') ? 'partial' : 'completed'));
    } catch (e) {
      return this.finish(report('failed', (e as Error).message));
    } finally {
      await lock.release().catch(() => false);
    }
  }

  private async popularTargets(limit: number, manifestTargets: readonly ResolvedTarget[]): Promise<ResolvedTarget[]> {
    if (limit <= 0 || !this.opts.popular) return [];
    const known = new Set(manifestTargets.map((t) => t.key));
    const out: ResolvedTarget[] = [];
    for (const t of await this.opts.popular.top(limit)) {
      let r: ResolvedTarget;
      try {
        r = resolveTarget(this.opts.env, t, 'popular');
      } catch {
        continue; // recorded before a config change: no longer a valid target
      }
      if (!known.has(r.key)) out.push(r);
      known.add(r.key);
    }
    return out;
  }

  /** Keys whose entry is valid for the current version and generations and stays fresh long enough. */
  private async freshKeys(targets: readonly ResolvedTarget[], minRemainingSeconds: number): Promise<Set<string>> {
    const fresh = new Set<string>();
    // Each target is inspected in the cache database of its surface.
    const byDatabase = new Map<Redis, ResolvedTarget[]>();
    for (const t of targets) {
      const db = this.opts.cacheShards?.get(t.surface) ?? this.opts.cache;
      byDatabase.set(db, [...(byDatabase.get(db) ?? []), t]);
    }
    for (const [cache, inDatabase] of byDatabase) await this.freshIn(cache, inDatabase, minRemainingSeconds, fresh);
    return fresh;
  }

  private async freshIn(cache: Redis, targets: readonly ResolvedTarget[], minRemainingSeconds: number, fresh: Set<string>): Promise<void> {
    for (let i = 0; i < targets.length; i += FRESHNESS_CHUNK) {
      const chunk = targets.slice(i, i + FRESHNESS_CHUNK);
      const keys = chunk.map((t) => t.key);
      const genKeys = chunk.flatMap((t) => [t.surfaceGenKey, t.resourceGenKey]);
      // Entry first, generations second: a bump in between makes the entry look stale, never fresh.
      const rows = await cache.eval(INSPECT_SCRIPT, keys, inspectArgs(0));
      const gens = await this.opts.guardrails.mget<(string | null)[]>(...genKeys.map(authoritativeKey));
      const inspections = parseInspection(keys, rows);
      const now = this.clock();
      chunk.forEach((t, j) => {
        const current = { surface: gens[2 * j] ?? GENERATION_ABSENT, resource: gens[2 * j + 1] ?? GENERATION_ABSENT };
        if (this.isFresh(t, inspections[j] as KeyInspection, current, now + minRemainingSeconds * 1000)) fresh.add(t.key);
      });
    }
  }

  private isFresh(t: ResolvedTarget, i: KeyInspection, gens: { surface: string; resource: string }, freshUntilMs: number): boolean {
    const h = i.head;
    if (i.type !== 'string' || i.pttlMs === -2 || !h || h.schema !== ENVELOPE_SCHEMA_VERSION) return false;
    if (h.surfaceVersion === undefined || !this.registry.isCurrent(t.surface, h.surfaceVersion)) return false;
    if (!h.generations || h.generations.surface !== String(gens.surface) || h.generations.resource !== String(gens.resource)) return false;
    if (h.storedAtMs === undefined || h.ttlSeconds === undefined) return false;
    return h.storedAtMs + h.ttlSeconds * 1000 >= freshUntilMs;
  }

  /** Refreshes `targets` with at most `concurrency` at once; true when the lock was lost. */
  private async warm(targets: readonly ResolvedTarget[], concurrency: number, lock: Lock, leaseMs: number, deadlineAtMs: number,
    results: WarmupTargetResult[]): Promise<boolean> {
    let next = 0;
    let lost = false;
    let renewedAt = this.clock();
    const worker = async (): Promise<void> => {
      while (!lost && next < targets.length) {
        const t = targets[next++] as ResolvedTarget;
        if (this.clock() >= deadlineAtMs) {
          results.push(this.result(t, 'failed', 0, 'deadline'));
          continue;
        }
        if (this.clock() - renewedAt > leaseMs / 3) {
          renewedAt = this.clock();
          if (!(await lock.extend(leaseMs).catch(() => false))) {
            lost = true;
            return;
          }
        }
        const started = this.clock();
        try {
          const r = await this.opts.engine.refresh(t.surface, t.path, { ...t.query }, { ...t.headers });
          const ms = this.clock() - started;
          this.metrics.observe('cache_warmup_fetch_duration_seconds', ms / 1000, { namespace: t.surface });
          results.push(r.stored ? this.result(t, 'warmed', ms, undefined, r.status) : this.result(t, 'failed', ms, r.reason ?? 'error', r.status));
        } catch (e) {
          results.push(this.result(t, 'failed', this.clock() - started, 'error'));
          (this.opts.logger ?? functionLogger('warmup')).error('warmup refresh failed', { key: t.key, error: (e as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
    return lost;
  }

  private result(t: ResolvedTarget, outcome: WarmupOutcome, durationMs: number, reason?: string, status?: number): WarmupTargetResult {
    this.metrics.increment('cache_warmup_entries_total', { namespace: t.surface, outcome });
    return {
      surface: t.surface, path: t.path, ...(t.query ? { query: t.query } : {}), key: t.key, source: t.source, outcome, durationMs,
      ...(reason ? { reason } : {}), ...(status !== undefined ? { status } : {}),
    };
  }

  private finish(r: WarmupReport): WarmupReport {
    const outcome = r.status === 'completed' ? 'success' : 'failure';
    this.metrics.increment('cache_job_runs_total', { job: 'warmup', outcome });
    this.metrics.observe('cache_job_duration_seconds', r.durationMs / 1000, { job: 'warmup' });
    this.metrics.setGauge(outcome === 'success' ? 'cache_job_last_success_timestamp_seconds' : 'cache_job_last_failure_timestamp_seconds',
      Math.floor(this.clock() / 1000), { job: 'warmup' });
    return r;
  }
}
