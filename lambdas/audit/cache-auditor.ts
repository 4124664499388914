/**
 * The cache audit: walks the cache database with `SCAN` in bounded batches until its time budget
 * is spent, resuming next run from the cursor saved in the guardrails database, and per batch
 * (three requests: SCAN; inspect + generations; fixes):
 * - entries without TTL get the surface's TTL + stale window (never past their own end of life);
 * - orphans (unknown surface, old schema, retired/older surface version, bumped generation),
 *   oversize entries and corrupt entries are deleted;
 * - keys outside the namespace format are reported, and deleted only with `deleteMalformed`.
 * Every fix is guarded in Lua (the key must be unchanged since inspection), so the audit is safe
 * next to live traffic, idempotent and safe to retry. A dry run changes nothing in the cache
 * database. One run at a time (job lock); it also reads the Upstash usage for the quota ratio.
 */
import type { Redis } from '@upstash/redis';
import type { EnvironmentConfig } from '../../config/types';
import { authoritativeKey, parseKey } from '../engine/keys';
import { DEFAULT_VERSION_REGISTRY, type VersionRegistry } from '../engine/version-registry';
import type { DistributedLockCoordinator, Lock } from '../guardrails/lock-coordinator';
import type { MetricsRecorder } from '../shared/metrics/recorder';
import { NOOP_METRICS } from '../shared/metrics/recorder';
import { AuditStateStore, auditReportKey } from './audit-state';
import { AuditTally, type AuditReport } from './audit-report';
import { INSPECT_SCRIPT, inspectArgs, parseInspection } from '../maintenance/entry-inspector';
import { evictedKeys } from './eviction-stats';
import { deleteIfUnchanged, expireIfPersistent, type GuardedDelete, type GuardedExpire } from './guarded-fixes';
import { classify, generationKeysOf, type ClassifierContext, type FindingKind } from './key-classifier';
import { DATABASE_ROLES, type DatabaseLabel } from '../../contracts/database-roles';
import { parseUpstashStats, quotaReading, type QuotaReading, type UsageStatsSource } from './upstash-usage';

export interface CacheAuditorOptions {
  readonly env: Pick<EnvironmentConfig, 'name' | 'surfaces' | 'runtime' | 'upstash'>;
  /** Client of the cache database (scanned and fixed). */
  readonly cache: Redis;
  /** Client of the guardrails database (cursor, report, job lock). */
  readonly guardrails: Redis;
  readonly locks: Pick<DistributedLockCoordinator, 'tryAcquire'>;
  /** @default DEFAULT_VERSION_REGISTRY */
  readonly registry?: VersionRegistry;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** Upstash usage for the quota ratio. @default - quota not measured (reported as such) */
  readonly usage?: UsageStatsSource;
  /** Memory budget of the cache database, recorded as `memory_budget_bytes` (the memory alert's denominator). @default - not recorded */
  readonly memoryBudgetBytes?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /**
   * A further cache database (`cache-<id>`, `upstash.cacheShards`): its cursor, report and job lock
   * carry the name, and it records its own evicted keys; the quota and memory gauges of every
   * database stay with the default database's audit.
   * @default - the default cache database
   */
  readonly database?: string;
}

export interface AuditRunOptions {
  /** Stop starting batches once this much time has passed (the running batch finishes). */
  readonly budgetMs: number;
  /** Report only; change nothing in the cache database. @default false */
  readonly dryRun?: boolean;
  /** `COUNT` hint of each SCAN (keys per batch). @default 500 */
  readonly batchSize?: number;
  /** Delete keys outside the namespace format instead of only reporting them. @default false */
  readonly deleteMalformed?: boolean;
  /** Sample keys kept per finding. @default 20 */
  readonly sampleSize?: number;
  /** Ignore the saved cursor and start a new pass. @default false */
  readonly restart?: boolean;
}

/** Lock of the audit job (guardrails database). */
const auditLockKey = (env: string): string => `${env}:job:audit`;
const REPORT_TTL_SECONDS = 90 * 86_400;
/** Lease beyond the budget: one slow batch plus the report. */
const LOCK_MARGIN_MS = 60_000;

export class CacheAuditor {
  private readonly registry: VersionRegistry;
  private readonly metrics: MetricsRecorder;
  private readonly clock: () => number;
  private readonly surfaces: ClassifierContext['surfaces'];

  constructor(private readonly opts: CacheAuditorOptions) {
    this.surfaces = new Map(opts.env.surfaces.map((s) => [s.name, s]));
    this.registry = opts.registry ?? DEFAULT_VERSION_REGISTRY;
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.clock = opts.clock ?? Date.now;
  }

  async run(options: AuditRunOptions): Promise<AuditReport> {
    const budgetMs = options.budgetMs;
    if (!Number.isFinite(budgetMs) || budgetMs < 0) throw new RangeError(`budgetMs must be a number >= 0, got ${budgetMs}`);
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new RangeError(`batchSize must be an integer from 1 to 10000, got ${batchSize}`);
    const dryRun = options.dryRun ?? false;
    const env = this.opts.env.name;
    const started = this.clock();
    const tally = new AuditTally(options.sampleSize ?? 20);
    const errors: string[] = [];
    const report = (status: AuditReport['status'], extra: Partial<AuditReport> = {}): AuditReport => ({
      job: 'audit', status, env, dryRun, startedAt: new Date(started).toISOString(), durationMs: this.clock() - started, budgetMs,
      scanned: tally.scanned, batches: tally.batches, healthy: tally.healthy, system: tally.system, newer: tally.newer,
      findings: tally.findings, orphanReasons: tally.orphanReasons, bytesReclaimed: tally.bytesReclaimed,
      quota: { source: this.opts.usage?.description, databases: [] }, errors, ...extra,
    });

    const database = this.opts.database;
    const lock = await this.opts.locks.tryAcquire(`${auditLockKey(env)}${database ? `:${database}` : ''}`, { ttlMs: budgetMs + LOCK_MARGIN_MS });
    if (!lock) return report('locked');
    try {
      // Quota and memory gauges (of every database) belong to the default database's audit; each
      // cache database reports its own evicted keys.
      const [quota] = await Promise.all([database ? [] : this.readQuota(errors), this.readEvictions(errors)]);
      const pass = await this.scan(lock, options, dryRun, batchSize, tally, errors);
      if (pass.complete && !database) this.recordEntries(tally);
      const extra = { pass, quota: { source: this.opts.usage?.description, databases: quota } };
      await this.opts.guardrails.set(auditReportKey(env, dryRun, database), JSON.stringify(report(errors.length > 0 ? 'failed' : 'completed', extra)), { ex: REPORT_TTL_SECONDS })
        .catch((e: unknown) => { errors.push(`saving the report failed: ${(e as Error).message}`); });
      const result = report(errors.length > 0 ? 'failed' : 'completed', extra);
      this.recordRun(result);
      return result;
    } finally {
      await lock.release().catch(() => false);
    }
  }

  private async scan(lock: Lock, options: AuditRunOptions, dryRun: boolean, batchSize: number, tally: AuditTally, errors: string[]) {
    const store = new AuditStateStore(this.opts.guardrails, this.opts.env.name, dryRun, this.opts.database);
    const started = this.clock();
    const saved = options.restart ? undefined : await store.load();
    const resuming = saved !== undefined && saved.cursor !== '0';
    let cursor = resuming ? saved.cursor : '0';
    const passStartedAtMs = resuming ? saved.passStartedAtMs : started;
    const runs = (resuming ? saved.runs : 0) + 1;
    if (resuming) tally.resumeEntries(saved.entries);
    let lastBatchMs = 0;
    let stopped = false;
    try {
      do {
        const batchStarted = this.clock();
        const [next, keys] = await this.opts.cache.scan(cursor, { count: batchSize });
        await this.audit([...new Set(keys.map(String))], options, dryRun, tally);
        cursor = String(next);
        tally.batches += 1;
        const kept = await store.save({ cursor, passStartedAtMs, runs, fence: lock.fence, updatedAtMs: this.clock(), entries: tally.entryTotals() });
        if (!kept) {
          errors.push('a newer audit run took over the pass (lock lost); stopped');
          stopped = true;
          break;
        }
        lastBatchMs = this.clock() - batchStarted;
      } while (cursor !== '0' && this.clock() - started + lastBatchMs <= options.budgetMs);
    } catch (e) {
      errors.push(`scan stopped: ${(e as Error).message}`);
      stopped = true;
    }
    return { complete: cursor === '0' && !stopped, cursor, startedAt: new Date(passStartedAtMs).toISOString(), runs };
  }

  /** One batch: inspect + generations in one pipeline, then the guarded fixes in another. */
  private async audit(keys: string[], options: AuditRunOptions, dryRun: boolean, tally: AuditTally): Promise<void> {
    if (keys.length === 0) return;
    const env = this.opts.env.name;
    const genKeys = [...new Set(keys.flatMap((k) => generationKeysOf(k, env)))];
    // Inspect first, generations second: a generation read after the entry is never older than
    // the one the entry was written under, so a current entry is never taken for an orphan. The
    // generations are read where they are authoritative (the guardrails database): a mirror in the
    // cache database may be evicted, and an absent one would make every entry look orphaned.
    const rows = await this.opts.cache.eval(INSPECT_SCRIPT, keys, inspectArgs(this.opts.env.runtime.maxItemBytes));
    const gens = genKeys.length > 0 ? await this.opts.guardrails.mget<(string | null)[]>(...genKeys.map(authoritativeKey)) : undefined;
    const generations = new Map<string, string>();
    genKeys.forEach((k, i) => { const v = gens?.[i]; if (v !== null && v !== undefined) generations.set(k, String(v)); });
    const ctx: ClassifierContext = {
      env,
      surfaces: this.surfaces,
      registry: this.registry,
      maxItemBytes: this.opts.env.runtime.maxItemBytes,
      nowMs: this.clock(),
      generations,
    };
    const deletes: (GuardedDelete & { kind: FindingKind })[] = [];
    const expires: GuardedExpire[] = [];
    for (const inspection of parseInspection(keys, rows)) {
      const verdict = classify(inspection, ctx);
      if (verdict.kind === 'healthy' || verdict.kind === 'newer' || verdict.kind === 'no_ttl') tally.entry(this.namespaceOf(inspection.key), inspection.bytes);
      const kind = tally.see(inspection.key, verdict);
      if (!kind) continue;
      this.metrics.increment('cache_audit_findings_total', { reason: kind, outcome: 'found' });
      if (dryRun || !('guard' in verdict)) continue;
      if (verdict.kind === 'no_ttl') expires.push({ key: inspection.key, guard: verdict.guard, ttlMs: verdict.ttlMs });
      else if (verdict.kind !== 'malformed' || options.deleteMalformed) deletes.push({ key: inspection.key, guard: verdict.guard, kind: verdict.kind });
    }
    this.metrics.increment('cache_audit_keys_scanned_total', {}, keys.length);
    if (deletes.length === 0 && expires.length === 0) return;
    const [freed, expired] = await Promise.all([deleteIfUnchanged(this.opts.cache, deletes), expireIfPersistent(this.opts.cache, expires)]);
    freed.forEach((bytes, i) => {
      if (bytes < 0) return;
      const d = deletes[i] as GuardedDelete & { kind: FindingKind };
      tally.fixed(d.kind, bytes);
      this.metrics.increment('cache_audit_findings_total', { reason: d.kind, outcome: 'fixed' });
      this.metrics.increment('cache_evictions_total', { namespace: this.namespaceOf(d.key), reason: d.kind });
      this.metrics.increment('cache_audit_reclaimed_bytes_total', {}, bytes);
    });
    expired.forEach((set) => {
      if (!set) return;
      tally.fixed('no_ttl');
      this.metrics.increment('cache_audit_findings_total', { reason: 'no_ttl', outcome: 'fixed' });
    });
  }

  /** Configured surface of a key, for the bounded `namespace` label. */
  private namespaceOf(key: string): string {
    try {
      const { surface } = parseKey(key);
      return this.surfaces.has(surface) ? surface : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  private async readQuota(errors: string[]): Promise<QuotaReading[]> {
    const source = this.opts.usage;
    if (!source) return [];
    // Every database of the environment, the further cache databases (`upstash.cacheShards`) included.
    const quotas: [DatabaseLabel, number][] = [
      ...DATABASE_ROLES.map((role): [DatabaseLabel, number] => [role, this.opts.env.upstash[role].monthlyRequestQuota]),
      ...(this.opts.env.upstash.cacheShards ?? []).map((shard): [DatabaseLabel, number] => [`cache-${shard.id}`, shard.monthlyRequestQuota]),
    ];
    const readings = await Promise.all(quotas.map(async ([database, monthlyRequestQuota]) => {
      try {
        const usage = parseUpstashStats(await source.stats(database), `${source.description} (${database})`);
        return quotaReading(database, usage, monthlyRequestQuota);
      } catch (e) {
        errors.push(`quota of ${database}: ${(e as Error).message}`);
        return undefined;
      }
    }));
    const ok = readings.filter((r): r is QuotaReading => r !== undefined);
    for (const r of ok) {
      const labels = { database: r.database };
      this.metrics.setGauge('upstash_monthly_quota_ratio', r.ratio, labels);
      this.metrics.setGauge('upstash_monthly_requests', r.monthlyRequests, labels);
      this.metrics.setGauge('upstash_monthly_request_quota', r.monthlyRequestQuota, labels);
      if (r.storageBytes !== undefined) this.metrics.setGauge('upstash_storage_bytes', r.storageBytes, labels);
      if (r.monthlyBandwidthBytes !== undefined) this.metrics.setGauge('upstash_monthly_bandwidth_bytes', r.monthlyBandwidthBytes, labels);
      // The memory alert compares each cache database's data size with its budget.
      if (r.database.startsWith('cache') && r.storageBytes !== undefined) this.metrics.setGauge('cache_memory_bytes', r.storageBytes, labels);
    }
    if (this.opts.memoryBudgetBytes !== undefined) this.metrics.setGauge('memory_budget_bytes', this.opts.memoryBudgetBytes, { database: 'cache' });
    for (const shard of this.opts.env.upstash.cacheShards ?? []) {
      this.metrics.setGauge('memory_budget_bytes', shard.memoryBudgetBytes, { database: `cache-${shard.id}` });
    }
    return ok;
  }

  /** `evicted_keys` of this cache database: the eviction-rate alert compares it with the writes. */
  private async readEvictions(errors: string[]): Promise<void> {
    try {
      const evicted = await evictedKeys(this.opts.cache);
      if (evicted !== undefined) this.metrics.setGauge('upstash_evicted_keys', evicted, { database: this.opts.database ?? 'cache' });
    } catch (e) {
      errors.push(`evicted keys: ${(e as Error).message}`);
    }
  }

  /** Entry count and bytes per configured surface, after a complete pass (0 for an empty surface). */
  private recordEntries(tally: AuditTally): void {
    const totals = tally.entryTotals();
    for (const ns of [...this.surfaces.keys(), ...Object.keys(totals).filter((n) => !this.surfaces.has(n))]) {
      this.metrics.setGauge('cache_entries', totals[ns]?.count ?? 0, { namespace: ns });
      this.metrics.setGauge('cache_payload_bytes', totals[ns]?.bytes ?? 0, { namespace: ns });
    }
  }

  private recordRun(r: AuditReport): void {
    const outcome = r.status === 'completed' ? 'success' : 'failure';
    this.metrics.increment('cache_job_runs_total', { job: 'audit', outcome });
    this.metrics.observe('cache_job_duration_seconds', r.durationMs / 1000, { job: 'audit' });
    const seconds = Math.floor(this.clock() / 1000);
    this.metrics.setGauge(outcome === 'success' ? 'cache_job_last_success_timestamp_seconds' : 'cache_job_last_failure_timestamp_seconds', seconds, { job: 'audit' });
  }
}
