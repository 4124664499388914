/**
 * The cache warmup against a real Redis behind the local Upstash server and a real local origin
 * that measures what it is asked: requests in flight at once and request start times.
 */
import type { ServerResponse } from 'node:http';
import IORedis from 'ioredis';
import { WARMUP_MANIFESTS, type WarmupManifest, type WarmupTarget } from '../../config/warmup-manifest';
import { environment } from '../../config/environments';
import { ENVIRONMENT_NAMES } from '../../config/types';
import { isSystemKey } from '../../lambdas/audit/key-classifier';
import { CacheRouter } from '../../lambdas/cache/cache-router';
import { CacheEngine } from '../../lambdas/engine/cache-engine';
import { decodeEnvelope } from '../../lambdas/engine/envelope';
import { bumpSurfaceGeneration } from '../../lambdas/engine/invalidation';
import { DistributedLockCoordinator } from '../../lambdas/guardrails/lock-coordinator';
import { CacheWarmupManager, createWarmupEngine, type WarmupReport } from '../../lambdas/warmup/cache-warmup-manager';
import { WarmupManifestError, validateWarmupManifest } from '../../lambdas/warmup/manifest';
import { PopularRequests } from '../../lambdas/maintenance/popular-requests';
import { AggregatingMetricsRecorder } from '../../lambdas/shared/metrics/aggregating-recorder';
import { useLocalStack } from '../support/local-stack';
import type { OriginRequest } from '../support/origin';
import { RecordingMetrics, testEnvironment } from './support';

const local = useLocalStack({ originHandler: measuringHandler });
let conn: IORedis;

/** What the origin measured. */
const seen = { inFlight: 0, maxInFlight: 0, starts: [] as number[], delayMs: 0, failPaths: new Set<string>() };

function measuringHandler(req: OriginRequest, res: ServerResponse): void {
  seen.inFlight += 1;
  seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
  seen.starts.push(performance.now());
  setTimeout(() => {
    seen.inFlight -= 1;
    if (seen.failPaths.has(req.path)) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html', 'content-language': 'en', 'x-not-stored': 'y' });
    res.end(`<h1>${req.url}</h1>`);
  }, seen.delayMs);
}

const marketing = (n: number): WarmupTarget[] => Array.from({ length: n }, (_, i) => ({ surface: 'marketing', path: `page-${i}` }));
const API_TARGETS: WarmupTarget[] = [
  { surface: 'api', path: 'v1/catalog', query: { page: '1', limit: '20' } },
  { surface: 'api', path: 'v1/config', headers: { accept: 'application/json' } },
];

function manager(manifestLimits: Pick<WarmupManifest, 'concurrency' | 'ratePerSecond'>, metrics = new RecordingMetrics(),
  popular?: PopularRequests): CacheWarmupManager {
  const env = testEnvironment(local.origin.url);
  return new CacheWarmupManager({
    env,
    engine: createWarmupEngine({ env, redis: local.cache.redis, guardrails: local.guardrails.redis, manifest: manifestLimits, metrics }),
    cache: local.cache.redis,
    guardrails: local.guardrails.redis,
    locks: new DistributedLockCoordinator({ redis: local.guardrails.redis }),
    popular,
    metrics,
  });
}

async function cacheKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await conn.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

const keysOf = (r: WarmupReport, outcome: string) => r.targets.filter((t) => t.outcome === outcome).map((t) => t.key).sort();

beforeAll(async () => {
  conn = new IORedis(local.cache.redisUrl, { db: local.cache.db, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  conn?.disconnect();
});

beforeEach(async () => {
  await local.reset();
  Object.assign(seen, { inFlight: 0, maxInFlight: 0, starts: [], delayMs: 0, failPaths: new Set<string>() });
});

test('fills exactly the manifest, through the engine write path (entries identical to organic ones)', async () => {
  const manifest: WarmupManifest = { targets: [...marketing(4), ...API_TARGETS, { surface: 'marketing', path: 'page-0' }], concurrency: 4, ratePerSecond: 100 };
  const metrics = new RecordingMetrics();
  const report = await manager(manifest, metrics).run(manifest);

  expect(report).toMatchObject({ status: 'completed', total: 6, warmed: 6, skipped: 0, failed: 0 });
  // Exactly the manifest: one entry per distinct target; besides entries only generation and flag mirrors.
  expect((await cacheKeys()).filter((k) => !isSystemKey(k.split(':')))).toEqual(keysOf(report, 'warmed'));
  expect(local.origin.log().map((r) => r.url).sort()).toEqual([
    '/api/v1/catalog?limit=20&page=1', '/api/v1/config',
    '/marketing/page-0', '/marketing/page-1', '/marketing/page-2', '/marketing/page-3',
  ]);
  expect(local.origin.log().find((r) => r.path === '/api/v1/config')?.headers.accept).toBe('application/json');
  expect(metrics.counter('cache_warmup_entries_total', { namespace: 'marketing', outcome: 'warmed' })).toBe(4);
  // Every entry stored counts as a write (the eviction-rate alert's denominator).
  expect([metrics.counter('cache_writes_total', { namespace: 'marketing', database: 'cache' }), metrics.counter('cache_writes_total', { namespace: 'api', database: 'cache' })]).toEqual([4, 2]);
  expect(metrics.counter('cache_job_runs_total', { job: 'warmup', outcome: 'success' })).toBe(1);
  expect(metrics.observed('cache_warmup_fetch_duration_seconds', { namespace: 'api' })).toHaveLength(2);

  // A reader now hits what the warmup stored, without calling the origin.
  const env = testEnvironment(local.origin.url);
  const reader = new CacheRouter({ engine: new CacheEngine({ env, redis: local.cache.redis, guardrails: local.guardrails.redis }), cacheRedis: local.cache.redis, redisTimeoutMs: 500 });
  const before = local.origin.requests();
  const hit = await reader.handle({ method: 'GET', path: '/c/api/v1/catalog', query: { page: '1', limit: '20', other: 'x' } });
  expect(hit.headers['x-cache']).toBe('HIT');
  expect(local.origin.requests()).toBe(before);

  // An organic miss stores an entry of the same shape, TTL and generations as a warmed one.
  const miss = await reader.handle({ method: 'GET', path: '/c/marketing/page-9' });
  expect(miss.headers['x-cache']).toBe('MISS');
  const warmed = decodeEnvelope(String(await conn.get('dev:marketing:page-0:default')));
  const organic = decodeEnvelope(String(await conn.get('dev:marketing:page-9:default')));
  const shape = (e: typeof warmed) => ({ ...e, storedAtMs: 0, originMs: 0, checksum: '', etag: '', payload: { ...e.payload, body: new Uint8Array() } });
  expect(shape(warmed)).toEqual(shape(organic));
  expect(warmed.payload.headers).toEqual({ 'content-language': 'en', 'content-type': 'text/html' });
  expect(await conn.pttl('dev:marketing:page-0:default')).toBeGreaterThan((1800 + 300) * 1000 - 60_000);
});

test('never has more origin requests in flight than the concurrency limit', async () => {
  seen.delayMs = 150;
  const manifest: WarmupManifest = { targets: marketing(12), concurrency: 3, ratePerSecond: 1000 };
  const report = await manager(manifest).run(manifest);
  expect(report.warmed).toBe(12);
  expect(local.origin.requests()).toBe(12);
  expect(seen.maxInFlight).toBe(3); // reached, never exceeded
});

test('never starts more origin requests per second than the rate limit', async () => {
  const rate = 5;
  const manifest: WarmupManifest = { targets: marketing(11), concurrency: 4, ratePerSecond: rate };
  const report = await manager(manifest).run(manifest);
  expect(report.warmed).toBe(11);
  const starts = [...seen.starts].sort((a, b) => a - b);
  expect(starts).toHaveLength(11);
  // Any `rate + 1` consecutive arrivals span at least one second (less 30 ms of network jitter),
  // i.e. no 1 s window at the origin holds more than `rate` requests.
  const spans = starts.slice(rate).map((t, i) => t - (starts[i] as number));
  expect(Math.min(...spans)).toBeGreaterThanOrEqual(1000 - 30);
  // And the limit is a pace, not a stall: 11 requests at 5/s take about 2 s.
  expect((starts[10] as number) - (starts[0] as number)).toBeLessThan(3000);
});

test('skips fresh entries, and refreshes those invalidated or close to expiry', async () => {
  const manifest: WarmupManifest = { targets: [...marketing(3), ...API_TARGETS], concurrency: 2, ratePerSecond: 100 };
  const first = await manager(manifest).run(manifest);
  expect(first.warmed).toBe(5);
  const configKey = first.targets.find((t) => t.path === 'v1/config')?.key ?? '';
  const value = await conn.get(configKey);
  expect(value).not.toBeNull();

  const second = await manager(manifest).run(manifest);
  expect(second).toMatchObject({ status: 'completed', warmed: 0, skipped: 5, failed: 0 });
  expect(local.origin.requests()).toBe(5);
  expect(await conn.get(configKey)).toBe(value); // untouched

  // A surface invalidation makes its entries stale: only marketing is warmed again.
  await bumpSurfaceGeneration({ cache: local.cache.redis, guardrails: local.guardrails.redis }, 'dev', 'marketing');
  const third = await manager(manifest).run(manifest);
  expect(third).toMatchObject({ warmed: 3, skipped: 2 });
  expect(keysOf(third, 'warmed').every((k) => k.startsWith('dev:marketing:'))).toBe(true);

  // api entries live 300 s: asking for 10 minutes of freshness refreshes them.
  const fourth = await manager(manifest).run({ ...manifest, minRemainingSeconds: 600 });
  expect(fourth).toMatchObject({ warmed: 2, skipped: 3 });
});

test('a second concurrent run does nothing', async () => {
  seen.delayMs = 50;
  const manifest: WarmupManifest = { targets: marketing(6), concurrency: 2, ratePerSecond: 100 };
  const [a, b] = await Promise.all([manager(manifest).run(manifest), manager(manifest).run(manifest)]);
  expect([a.status, b.status].sort()).toEqual(['completed', 'locked']);
  const locked = a.status === 'locked' ? a : b;
  expect(locked).toMatchObject({ total: 0, warmed: 0, skipped: 0, failed: 0 });
  expect(local.origin.requests()).toBe(6);
});

test('reports origin failures per target without storing them', async () => {
  seen.failPaths.add('/marketing/page-1');
  const manifest: WarmupManifest = { targets: marketing(3), concurrency: 2, ratePerSecond: 100 };
  const metrics = new RecordingMetrics();
  const report = await manager(manifest, metrics).run(manifest);
  expect(report).toMatchObject({ status: 'partial', warmed: 2, failed: 1 });
  expect(report.targets.find((t) => t.outcome === 'failed')).toMatchObject({ path: 'page-1', reason: 'origin_error', status: 503 });
  expect(await conn.exists('dev:marketing:page-1:default')).toBe(0);
  expect(metrics.counter('cache_warmup_entries_total', { namespace: 'marketing', outcome: 'failed' })).toBe(1);
  expect(metrics.counter('cache_job_runs_total', { job: 'warmup', outcome: 'failure' })).toBe(1);
});

test('targets not started by the deadline are reported, never started', async () => {
  const manifest: WarmupManifest = { targets: marketing(3), concurrency: 2, ratePerSecond: 100 };
  const report = await manager(manifest).run(manifest, { deadlineAtMs: Date.now() - 1 });
  expect(report).toMatchObject({ status: 'partial', warmed: 0, failed: 3 });
  expect(report.targets.every((t) => t.reason === 'deadline')).toBe(true);
  expect(local.origin.requests()).toBe(0);
});

test('also warms the most requested paths recorded in the guardrails database', async () => {
  const env = testEnvironment(local.origin.url);
  // Counts ride in the cache function's metrics flush: record on one recorder, flush it, then read.
  const recorder = new AggregatingMetricsRecorder();
  const popular = new PopularRequests({ redis: local.guardrails.redis, env, recorder });
  const record = (t: WarmupTarget, n: number) => { for (let i = 0; i < n; i++) expect(popular.record(t)).toBe(true); };
  record({ surface: 'marketing', path: 'hot/one', query: { lang: 'de', utm: 'ignored' } }, 5);
  record({ surface: 'api', path: 'v1/hot' }, 3);
  record({ surface: 'marketing', path: 'page-0' }, 4); // also in the manifest: warmed once
  record({ surface: 'marketing', path: 'cold' }, 1);
  expect(popular.record({ surface: 'nope', path: 'x' })).toBe(false);
  expect(popular.record({ surface: 'marketing', path: 'Bad Path' })).toBe(false);
  expect(await recorder.flush(local.guardrails.redis)).toMatchObject({ status: 'flushed' });

  const manifest: WarmupManifest = { targets: marketing(2), concurrency: 2, ratePerSecond: 100, popularLimit: 3 };
  const report = await manager(manifest, new RecordingMetrics(), popular).run(manifest);
  expect(report.warmed).toBe(4);
  expect(report.targets.filter((t) => t.source === 'popular').map((t) => t.path).sort()).toEqual(['hot/one', 'v1/hot']);
  expect(local.origin.log().map((r) => r.url).sort()).toEqual(['/api/v1/hot', '/marketing/hot/one?lang=de', '/marketing/page-0', '/marketing/page-1']);
});

describe('manifest', () => {
  test.each(ENVIRONMENT_NAMES)('the %s manifest names only configured surfaces and valid paths', (name) => {
    const targets = validateWarmupManifest(environment(name), WARMUP_MANIFESTS[name]);
    expect(targets.length).toBeGreaterThan(0);
    expect(new Set(targets.map((t) => t.key)).size).toBe(targets.length);
  });

  test('a bad target or limit is refused with a message naming it', async () => {
    const env = testEnvironment(local.origin.url);
    expect(() => validateWarmupManifest(env, { targets: [{ surface: 'shop', path: 'a' }], concurrency: 1, ratePerSecond: 1 }))
      .toThrow(/warmup target \{"surface":"shop","path":"a"\}: unknown surface/);
    expect(() => validateWarmupManifest(env, { targets: [{ surface: 'marketing', path: 'Home' }], concurrency: 1, ratePerSecond: 1 }))
      .toThrow(WarmupManifestError);
    expect(() => validateWarmupManifest(env, { targets: [], concurrency: 0, ratePerSecond: 1 })).toThrow(/concurrency must be an integer from 1 to 64, got 0/);
    expect(() => validateWarmupManifest(env, { targets: [], concurrency: 1, ratePerSecond: 0 })).toThrow(/ratePerSecond/);
    await expect(manager({ concurrency: 1, ratePerSecond: 1 }).run({ targets: [{ surface: 'shop', path: 'a' }], concurrency: 1, ratePerSecond: 1 }))
      .rejects.toThrow(WarmupManifestError);
    expect(local.origin.requests()).toBe(0);
  });
});
