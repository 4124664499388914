/**
 * The cache audit against a real Redis behind the local Upstash server, on a seeded database of
 * 50,000 keys with known defects. Only the Upstash Developer API is stood in for (a stats file,
 * and a local HTTP server for the API client test).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { CacheAuditor } from '../../lambdas/audit/cache-auditor';
import { auditStateKey } from '../../lambdas/audit/audit-state';
import { inspectKeys } from '../../lambdas/maintenance/entry-inspector';
import { deleteIfUnchanged, expireIfPersistent } from '../../lambdas/audit/guarded-fixes';
import { DeveloperApiUsageSource, FileUsageSource, parseUpstashStats } from '../../lambdas/audit/upstash-usage';
import { encodeEnvelope } from '../../lambdas/engine/envelope';
import { DistributedLockCoordinator } from '../../lambdas/guardrails/lock-coordinator';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { NO_TTL_WINDOW_MS, SEED_MAX_ITEM_BYTES, SEED_REGISTRY, SEED_TOTAL, count, groupState, keysOf, seedAuditDatabase, seedAuthoritativeGenerations, type KeyGroup } from './audit-seed';
import { RecordingMetrics, testEnvironment } from './support';

const FIXTURE = join(__dirname, '..', 'fixtures', 'upstash-stats.json');
const env = testEnvironment('http://127.0.0.1:9', { maxItemBytes: SEED_MAX_ITEM_BYTES });

let cache: TestUpstash;
let guardrails: TestUpstash;
let conn: IORedis;
let groups: KeyGroup[];

function auditor(metrics = new RecordingMetrics(), usage = new FileUsageSource(FIXTURE)): CacheAuditor {
  return new CacheAuditor({
    env, cache: cache.redis, guardrails: guardrails.redis, registry: SEED_REGISTRY, metrics, usage,
    locks: new DistributedLockCoordinator({ redis: guardrails.redis }),
  });
}

/** Groups whose keys are not all in the expected state, with what was found. */
async function mismatches(expectOf: (g: KeyGroup) => 'kept' | 'deleted' | 'expired' | 'unchanged'): Promise<string[]> {
  const out: string[] = [];
  for (const g of groups) {
    const s = await groupState(conn, g);
    const want = expectOf(g);
    const ok = want === 'deleted' ? s.existing === 0
      : want === 'expired' ? s.existing === g.count && s.sameValue === g.count && s.withTtl === g.count && s.maxPttl <= NO_TTL_WINDOW_MS
        : s.existing === g.count && s.sameValue === g.count && (g.ttlMs === undefined ? s.withoutTtl === g.count : s.withTtl === g.count);
    if (!ok) out.push(`${g.name} (${want}): ${JSON.stringify(s)}`);
  }
  return out;
}

const deleted = new Set(['orphan', 'oversize', 'corrupt']);

/** `cache_entries` and `cache_payload_bytes` per surface: the live entries the seed holds. */
function expectedEntries(): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const ns of ['marketing', 'api']) {
    const live = groups.filter((g) => (g.expect === 'keep' || g.expect === 'no_ttl') && g.prefix.startsWith(`dev:${ns}:`));
    out[ns] = [live.reduce((n, g) => n + g.count, 0), live.reduce((n, g) => n + bytesOf(g), 0)];
  }
  return out;
}

function entryGauges(metrics: RecordingMetrics): Record<string, [number | undefined, number | undefined]> {
  const out: Record<string, [number | undefined, number | undefined]> = {};
  for (const ns of ['marketing', 'api']) {
    const entries = metrics.gauge('cache_entries', { namespace: ns });
    if (entries !== undefined) out[ns] = [entries, metrics.gauge('cache_payload_bytes', { namespace: ns })];
  }
  return out;
}
const bytesOf = (g: KeyGroup): number => g.count * Buffer.byteLength(g.value);

beforeAll(async () => {
  cache = await startTestUpstash();
  guardrails = await startTestUpstash();
  conn = new IORedis(cache.redisUrl, { db: cache.db, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  conn?.disconnect();
  await cache?.stop();
  await guardrails?.stop();
});


describe('on 50,000 seeded keys with known defects', () => {
  beforeEach(async () => {
    await guardrails.flush();
    await seedAuthoritativeGenerations(guardrails.redis);
    groups = await seedAuditDatabase(conn);
  });

  test('a dry run reports every defect and changes nothing', async () => {
    const report = await auditor().run({ budgetMs: 60_000, dryRun: true, batchSize: 2000 });

    expect(report.status).toBe('completed');
    expect(report.pass?.complete).toBe(true);
    expect(report.scanned).toBe(SEED_TOTAL);
    for (const kind of ['no_ttl', 'orphan', 'oversize', 'corrupt', 'malformed'] as const) {
      expect([kind, report.findings[kind].found, report.findings[kind].fixed]).toEqual([kind, count(groups, kind), 0]);
    }
    expect(report.bytesReclaimed).toBe(0);
    expect(await conn.dbsize()).toBe(SEED_TOTAL);
    expect(await mismatches(() => 'unchanged')).toEqual([]);
    // A dry run keeps its own cursor: the real pass has not moved.
    expect(await guardrails.redis.get(auditStateKey('dev', false))).toBeNull();
  });

  test('a run fixes exactly the seeded defects and leaves healthy entries untouched', async () => {
    const hashEntries = groups.filter((g) => g.hash && g.expect === 'corrupt').flatMap(keysOf);
    const hashBytes = (await Promise.all(hashEntries.map((k) => conn.call('MEMORY', 'USAGE', k)))).reduce<number>((n, b) => n + Number(b), 0);
    const metrics = new RecordingMetrics();
    const report = await auditor(metrics).run({ budgetMs: 60_000, batchSize: 2000, sampleSize: 5 });

    expect(report.status).toBe('completed');
    expect(report.scanned).toBe(SEED_TOTAL);
    expect(report.system).toBe(5); // two generations, the surface state mirror, a lock, a flag
    expect(report.newer).toBe(50);
    expect(report.findings.no_ttl).toMatchObject({ found: 1000, fixed: 1000 });
    expect(report.findings.orphan).toMatchObject({ found: 2300, fixed: 2300 });
    expect(report.orphanReasons).toEqual({ old_generation: 1000, retired_version: 1000, unknown_surface: 200, old_schema: 100 });
    expect(report.findings.oversize).toMatchObject({ found: 50, fixed: 50 });
    expect(report.findings.corrupt).toMatchObject({ found: 110, fixed: 110 });
    expect(report.findings.malformed).toMatchObject({ found: 500, fixed: 0 });
    const orphanPrefixes = groups.filter((g) => g.expect === 'orphan').map((g) => g.prefix);
    expect(report.findings.orphan.samples).toHaveLength(5);
    expect(report.findings.orphan.samples.filter((k) => !orphanPrefixes.some((p) => k.startsWith(p)))).toEqual([]);
    const stringBytes = groups.filter((g) => deleted.has(g.expect) && !g.hash).reduce((n, g) => n + bytesOf(g), 0);
    expect(report.bytesReclaimed).toBe(stringBytes + hashBytes);

    expect(await mismatches((g) => (deleted.has(g.expect) ? 'deleted' : g.expect === 'no_ttl' ? 'expired' : 'kept'))).toEqual([]);
    expect(await conn.dbsize()).toBe(SEED_TOTAL - 2300 - 50 - 110);

    expect(metrics.counter('cache_audit_findings_total', { reason: 'orphan', outcome: 'fixed' })).toBe(2300);
    expect(metrics.counter('cache_evictions_total', { namespace: 'unknown', reason: 'orphan' })).toBe(200);
    expect(metrics.counter('cache_audit_reclaimed_bytes_total')).toBe(report.bytesReclaimed);
    expect(metrics.counter('cache_audit_keys_scanned_total')).toBe(SEED_TOTAL);
    expect(metrics.counter('cache_job_runs_total', { job: 'audit', outcome: 'success' })).toBe(1);
    expect(entryGauges(metrics)).toEqual(expectedEntries());
    const evicted = Number(/^evicted_keys:(\d+)/m.exec(await conn.info('stats'))?.[1]);
    expect(metrics.gauge('upstash_evicted_keys', { database: 'cache' })).toBe(evicted);

    // Idempotent: the next pass finds only what it was told not to delete, and deletes it when told.
    const again = await auditor().run({ budgetMs: 60_000, batchSize: 2000, deleteMalformed: true });
    expect(again.findings.no_ttl.found + again.findings.orphan.found + again.findings.oversize.found + again.findings.corrupt.found).toBe(0);
    expect(again.findings.malformed).toMatchObject({ found: 500, fixed: 500 });
    expect(await mismatches((g) => (g.expect === 'keep' ? 'kept' : g.expect === 'no_ttl' ? 'expired' : 'deleted'))).toEqual([]);
  });

  test('a run stops at its time budget and the next resumes from the saved cursor', async () => {
    // Budget 0: exactly one batch, then stop.
    const firstMetrics = new RecordingMetrics();
    const first = await auditor(firstMetrics).run({ budgetMs: 0, batchSize: 2000 });
    expect(first.status).toBe('completed');
    expect(first.batches).toBe(1);
    expect(first.pass).toMatchObject({ complete: false, runs: 1 });
    expect(first.pass?.cursor).not.toBe('0');
    const saved = JSON.parse(String(await guardrails.redis.get(auditStateKey('dev', false)))) as { cursor: string };
    expect(saved.cursor).toBe(first.pass?.cursor);

    const secondMetrics = new RecordingMetrics();
    const second = await auditor(secondMetrics).run({ budgetMs: 60_000, batchSize: 2000 });
    expect(second.pass).toMatchObject({ complete: true, cursor: '0', runs: 2, startedAt: first.pass?.startedAt });
    // Resumed, not restarted: together the two runs saw every key once.
    expect(first.scanned + second.scanned).toBe(SEED_TOTAL);
    const sum = (k: 'no_ttl' | 'orphan' | 'oversize' | 'corrupt') => first.findings[k].fixed + second.findings[k].fixed;
    expect([sum('no_ttl'), sum('orphan'), sum('oversize'), sum('corrupt')]).toEqual([1000, 2300, 50, 110]);
    // Entry gauges wait for the whole pass: the first run published none, the second the pass's totals.
    expect(entryGauges(firstMetrics)).toEqual({});
    expect(entryGauges(secondMetrics)).toEqual(expectedEntries());
    expect(await mismatches((g) => (deleted.has(g.expect) ? 'deleted' : g.expect === 'no_ttl' ? 'expired' : 'kept'))).toEqual([]);
  });

  test('a second concurrent run does nothing while the first holds the lock', async () => {
    const [a, b] = await Promise.all([
      auditor().run({ budgetMs: 60_000, batchSize: 2000 }),
      auditor().run({ budgetMs: 60_000, batchSize: 2000 }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['completed', 'locked']);
    const locked = a.status === 'locked' ? a : b;
    expect(locked.scanned).toBe(0);
    expect((a.status === 'locked' ? b : a).findings.orphan.fixed).toBe(2300);
  });
});

describe('quota', () => {
  beforeEach(async () => {
    await guardrails.flush();
    await cache.flush();
  });

  const stats = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { total_monthly_requests: number; diskusage: { y: number }[]; total_monthly_bandwidth: number };

  test('the quota ratio comes from the stats fixture and the configured quota', async () => {
    const metrics = new RecordingMetrics();
    const report = await auditor(metrics).run({ budgetMs: 1000, dryRun: true });
    const quota = env.upstash.cache.monthlyRequestQuota;
    const ratio = stats.total_monthly_requests / quota;
    expect(ratio).toBeGreaterThan(0.55); // the fixture sits between the two alert thresholds
    expect(ratio).toBeLessThan(0.7);
    expect(report.quota.databases.find((d) => d.database === 'cache')).toMatchObject({
      monthlyRequests: stats.total_monthly_requests, monthlyRequestQuota: quota, ratio, level: 'warning',
      storageBytes: stats.diskusage[stats.diskusage.length - 1]?.y, monthlyBandwidthBytes: stats.total_monthly_bandwidth,
    });
    expect(metrics.gauge('upstash_monthly_quota_ratio', { database: 'cache' })).toBeCloseTo(ratio, 12);
    expect(metrics.gauge('cache_memory_bytes', { database: 'cache' })).toBe(stats.diskusage[stats.diskusage.length - 1]?.y);
    expect(metrics.gauge('upstash_monthly_quota_ratio', { database: 'guardrails' }))
      .toBeCloseTo(stats.total_monthly_requests / env.upstash.guardrails.monthlyRequestQuota, 12);
  });

  test('stats without total_monthly_requests are an error, and the run is reported failed', async () => {
    expect(() => parseUpstashStats({ diskusage: [] }, 'fixture')).toThrow(/total_monthly_requests/);
    const report = await auditor(new RecordingMetrics(), new FileUsageSource('/nonexistent/{database}.json')).run({ budgetMs: 1000, dryRun: true });
    expect(report.status).toBe('failed');
    expect(report.errors.join('\n')).toMatch(/cannot read stats file \/nonexistent\/cache\.json/);
  });

  test('the Developer API source calls GET /v2/redis/stats/{id} with Basic auth (API mocked locally)', async () => {
    const seen: { url?: string; auth?: string }[] = [];
    const server: Server = createServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(readFileSync(FIXTURE));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const source = new DeveloperApiUsageSource({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: async () => ({ email: 'ops@example.com', apiKey: 'k-123' }),
        databaseIds: { cache: 'db-cache-1', guardrails: 'db-guard-2' },
      });
      const usage = parseUpstashStats(await source.stats('guardrails'), 'api');
      expect(usage.monthlyRequests).toBe(stats.total_monthly_requests);
      expect(seen).toEqual([{ url: '/v2/redis/stats/db-guard-2', auth: `Basic ${Buffer.from('ops@example.com:k-123').toString('base64')}` }]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('guarded fixes (safe next to live traffic)', () => {
  beforeEach(async () => {
    await cache.flush();
  });

  const entry = (storedAtMs: number) => encodeEnvelope({
    surfaceVersion: 1, storedAtMs, ttlSeconds: 60, staleSeconds: 10, generations: { surface: '0', resource: '0' }, originMs: 1,
    payload: { status: 200, headers: {}, body: Buffer.from('x') },
  }).value;

  test('a key rewritten after inspection is neither deleted nor given a TTL', async () => {
    await conn.set('dev:api:a:default', entry(1));
    await conn.set('dev:api:b:default', 'garbage');
    const [a, b] = await inspectKeys(cache.redis, ['dev:api:a:default', 'dev:api:b:default'], 4096);
    expect(a?.head?.checksum).toMatch(/^sha256-/);
    expect(b?.sha1).toMatch(/^[0-9a-f]{40}$/);
    // Traffic rewrites both keys between inspection and fix.
    await conn.set('dev:api:a:default', entry(2));
    await conn.set('dev:api:b:default', 'garbage, rewritten');
    expect(await expireIfPersistent(cache.redis, [{ key: 'dev:api:a:default', guard: `c:${a?.head?.checksum}`, ttlMs: 5000 }])).toEqual([false]);
    expect(await deleteIfUnchanged(cache.redis, [
      { key: 'dev:api:a:default', guard: `c:${a?.head?.checksum}` }, { key: 'dev:api:b:default', guard: `h:${b?.sha1}` },
    ])).toEqual([-1, -1]);
    expect(await conn.pttl('dev:api:a:default')).toBe(-1);
    expect(await conn.get('dev:api:b:default')).toBe('garbage, rewritten');
  });

  test('an unchanged key is fixed, and a key that got a TTL meanwhile keeps it', async () => {
    await conn.set('dev:api:a:default', entry(1));
    await conn.set('dev:api:c:default', entry(3));
    const [a, c] = await inspectKeys(cache.redis, ['dev:api:a:default', 'dev:api:c:default']);
    await conn.pexpire('dev:api:c:default', 90_000);
    const set = await expireIfPersistent(cache.redis, [
      { key: 'dev:api:a:default', guard: `c:${a?.head?.checksum}`, ttlMs: 5000 },
      { key: 'dev:api:c:default', guard: `c:${c?.head?.checksum}`, ttlMs: 5000 },
    ]);
    expect(set).toEqual([true, false]);
    expect(await conn.pttl('dev:api:a:default')).toBeLessThanOrEqual(5000);
    expect(await conn.pttl('dev:api:c:default')).toBeGreaterThan(5000);
    const freed = await deleteIfUnchanged(cache.redis, [{ key: 'dev:api:a:default', guard: `c:${a?.head?.checksum}` }]);
    expect(freed).toEqual([Buffer.byteLength(entry(1))]);
    expect(await conn.exists('dev:api:a:default')).toBe(0);
  });
});
