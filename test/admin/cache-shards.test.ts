/**
 * The scale-out path at runtime, on real Redis behind three local Upstash servers (two cache
 * databases, one guardrails): an environment whose `api` surface lives in a second cache database.
 * The cache function reads and writes each surface in its own database; every invalidation path of
 * the admin function (exact keys, prefix, domain event, surface bump, bypass) reaches the database
 * that holds the surface, and leaves the other alone.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { environment, type EnvironmentConfig } from '../../config';
import { createAdminFunction } from '../../lambdas/admin/handler';
import { createCacheFunction } from '../../lambdas/cache/handler';
import { createAuditFunction } from '../../lambdas/audit/handler';
import { createWarmupFunction } from '../../lambdas/warmup/handler';
import type { HttpResult } from '../../lambdas/shared/http';
import { startOrigin, type Origin } from '../support/origin';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { shardVariables, withCacheShard } from '../support/two-cache-databases';

const ADMIN_TOKEN = 'cache-shards-admin-token-0123456789abcdef';
const TWO_CACHE_DATABASES: EnvironmentConfig = withCacheShard(environment('dev'));

let main: TestUpstash;
let shard: TestUpstash;
let guardrails: TestUpstash;
let origin: Origin;
let mainDb: IORedis;
let shardDb: IORedis;
let read: (path: string) => Promise<HttpResult>;
let admin: (path: string, body: unknown) => Promise<HttpResult>;
let functionEnv: NodeJS.ProcessEnv;

function event(method: string, path: string, body?: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', isBase64Encoded: false,
    headers: body === undefined ? {} : { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      accountId: '111111111111', apiId: 'api', domainName: 'example.com', domainPrefix: 'example', requestId: 'r', routeKey: '$default',
      stage: '$default', time: '', timeEpoch: 0, http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.9', userAgent: 'jest' },
    },
  };
}

beforeAll(async () => {
  [main, shard, guardrails, origin] = await Promise.all([startTestUpstash(), startTestUpstash(), startTestUpstash(), startOrigin()]);
  mainDb = new IORedis(main.redisUrl, { db: main.db });
  shardDb = new IORedis(shard.redisUrl, { db: shard.db });
  const env: NodeJS.ProcessEnv = {
    UPSTASH_REDIS_REST_URL: main.url, UPSTASH_REDIS_REST_TOKEN: main.token,
    ...shardVariables(shard),
    UPSTASH_GUARDRAILS_REST_URL: guardrails.url, UPSTASH_GUARDRAILS_REST_TOKEN: guardrails.token,
    ADMIN_TOKEN, ORIGIN_MARKETING: `${origin.url}/marketing`, ORIGIN_API: `${origin.url}/api`, METRICS_FLUSH_INTERVAL_MS: '0',
  };
  functionEnv = env;
  const [cacheFn, adminFn] = await Promise.all([
    createCacheFunction({ env, config: TWO_CACHE_DATABASES }),
    createAdminFunction({ env, config: TWO_CACHE_DATABASES }),
  ]);
  read = (path) => cacheFn(event('GET', path));
  admin = (path, body) => adminFn(event('POST', path, body));
});
afterAll(async () => {
  mainDb?.disconnect();
  shardDb?.disconnect();
  await Promise.all([main?.stop(), shard?.stop(), guardrails?.stop(), origin?.close()]);
});
beforeEach(() => origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.path} #${req.n}` })));

const xcache = async (path: string): Promise<string | undefined> => (await read(path)).headers?.['x-cache'];
/** Reads until the page is cached: MISS, then HIT. */
async function cached(path: string): Promise<void> {
  await read(path);
  expect(await xcache(path)).toBe('HIT');
}

it('keeps each surface\'s entries in its own cache database', async () => {
  await cached('/c/marketing/home');
  await cached('/c/api/v1/items');
  expect(await mainDb.exists('dev:marketing:home:default')).toBe(1);
  expect(await shardDb.exists('dev:marketing:home:default')).toBe(0);
  expect(await shardDb.exists('dev:api:v1.items:default')).toBe(1);
  expect(await mainDb.exists('dev:api:v1.items:default')).toBe(0);
});

it('deletes exact keys in the database of each key\'s surface', async () => {
  await cached('/c/marketing/k1');
  await cached('/c/api/k2');
  const res = await admin('/admin/invalidate', { keys: ['dev:marketing:k1:default', 'dev:api:k2:default'] });
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body as string)).toMatchObject({ deleted: 2 });
  expect(await xcache('/c/marketing/k1')).toBe('MISS');
  expect(await xcache('/c/api/k2')).toBe('MISS');
});

it('purges a prefix in the database that holds the surface', async () => {
  await cached('/c/api/docs/a');
  await cached('/c/api/docs/b');
  const res = await admin('/admin/invalidate', { prefix: 'dev:api:docs.' });
  expect(JSON.parse(res.body as string)).toMatchObject({ deleted: 2 });
  expect(await xcache('/c/api/docs/a')).toBe('MISS');
});

it('bumps a surface in its database only: the other surface keeps its hits', async () => {
  await cached('/c/marketing/stays');
  await cached('/c/api/goes');
  expect((await admin('/admin/invalidate', { surface: 'api', bump: true })).statusCode).toBe(200);
  expect(await xcache('/c/api/goes')).toBe('MISS');
  expect(await xcache('/c/marketing/stays')).toBe('HIT');
});

it('applies a domain event across both databases', async () => {
  await cached('/c/marketing/blog/launch');
  await cached('/c/api/articles/launch');
  await cached('/c/marketing/feed.xml');
  const res = await admin('/admin/invalidate', { event: 'article.published', data: { slug: 'launch' } });
  expect(res.statusCode).toBe(200);
  expect(await xcache('/c/marketing/blog/launch')).toBe('MISS');
  expect(await xcache('/c/api/articles/launch')).toBe('MISS');
  expect(await xcache('/c/marketing/feed.xml')).toBe('MISS');
});

it('turns the emergency bypass on for the surface of the second database', async () => {
  await cached('/c/api/bypassed');
  await cached('/c/marketing/not-bypassed');
  expect((await admin('/admin/bypass', { surface: 'api', enabled: true, ttlSeconds: 60 })).statusCode).toBe(200);
  expect(await xcache('/c/api/bypassed')).toBe('BYPASS');
  expect(await xcache('/c/marketing/not-bypassed')).toBe('HIT');
  expect((await admin('/admin/bypass', { surface: 'api', enabled: false })).statusCode).toBe(200);
  expect(await xcache('/c/api/bypassed')).toBe('HIT');
});

it('warms each surface into its own database and then finds both fresh there', async () => {
  const manifest = { targets: [{ surface: 'marketing', path: 'warm/m' }, { surface: 'api', path: 'warm/a' }], concurrency: 2, ratePerSecond: 100 };
  const warmup = await createWarmupFunction({ env: functionEnv, config: TWO_CACHE_DATABASES, manifest });
  expect(await warmup()).toMatchObject({ status: 'completed', warmed: 2 });
  expect(await mainDb.exists('dev:marketing:warm.m:default')).toBe(1);
  expect(await shardDb.exists('dev:api:warm.a:default')).toBe(1);
  expect(await mainDb.exists('dev:api:warm.a:default')).toBe(0);
  expect(await warmup()).toMatchObject({ warmed: 0, skipped: 2 });
  expect(await xcache('/c/api/warm/a')).toBe('HIT');
});

it('audits the second cache database too, with its own cursor and report', async () => {
  await shardDb.set('dev:api:not-an-envelope:default', 'garbage', 'EX', 600);
  // Usage stats of every database, as the Developer API answers them (one file per database).
  const statsDir = mkdtempSync(join(tmpdir(), 'stats-'));
  const stats = readFileSync(join(__dirname, '..', 'fixtures', 'upstash-stats.json'), 'utf8');
  for (const db of ['cache', 'guardrails', 'cache-api']) writeFileSync(join(statsDir, `${db}.json`), stats);
  const audit = await createAuditFunction({
    env: { ...functionEnv, AUDIT_DRY_RUN: 'true', UPSTASH_STATS_SOURCE: join(statsDir, '{database}.json') }, config: TWO_CACHE_DATABASES,
  });
  const report = await audit({ restart: true });
  // The quota of the second database is read too, against its own monthly quota.
  expect(report.quota.databases.map((d) => d.database).sort()).toEqual(['cache', 'cache-api', 'guardrails']);
  const quota = (db: string) => report.quota.databases.find((d) => d.database === db);
  expect(quota('cache-api')?.monthlyRequestQuota).toBe(20_000_000);
  expect(report.status).toBe('completed');
  const shard = report.shards?.['cache-api'];
  expect(shard?.status).toBe('completed');
  expect(shard?.scanned).toBeGreaterThan(0);
  expect(shard?.findings.corrupt.found).toBeGreaterThanOrEqual(1);
  expect(report.findings.corrupt.found).toBe(0);
  expect(await guardrails.redis.exists('dev:audit:report:dry-run:cache-api')).toBe(1);
  // The memory and eviction gauges of the memory and eviction alerts carry each cache database.
  const fields = await metricFields('cache_memory_bytes', 'memory_budget_bytes', 'upstash_evicted_keys');
  for (const database of ['cache', 'cache-api']) {
    expect(fields.cache_memory_bytes).toContainEqual(expect.stringContaining(`"database":"${database}"`));
    expect(fields.memory_budget_bytes).toContainEqual(expect.stringContaining(`"database":"${database}"`));
    expect(fields.upstash_evicted_keys).toContainEqual(expect.stringContaining(`"database":"${database}"`));
  }
});

it('counts the requests to each cache database under its own name in the metrics', async () => {
  await cached('/c/api/counted');
  await read('/c/marketing/counted');
  const io = new IORedis(guardrails.redisUrl, { db: guardrails.db });
  try {
    const [, keys] = await io.scan('0', 'MATCH', '*upstash_requests_total*', 'COUNT', 1000);
    const fields = (await Promise.all(keys.map((k) => io.hkeys(k)))).flat().join('\n');
    expect(fields).toMatch(/cache-api/);
    expect(fields).toMatch(/"cache"|database="cache"|cache[^-]/);
  } finally {
    io.disconnect();
  }
});

it('counts the entries written to each cache database under its name, the eviction alert\'s denominator', async () => {
  await cached('/c/api/written');
  await cached('/c/marketing/written');
  const { cache_writes_total: writes } = await metricFields('cache_writes_total');
  expect(writes).toContainEqual(expect.stringMatching(/"namespace":"api".*"database":"cache-api"|"database":"cache-api".*"namespace":"api"/));
  expect(writes).toContainEqual(expect.stringMatching(/"namespace":"marketing".*"database":"cache"|"database":"cache".*"namespace":"marketing"/));
  expect(writes?.some((f) => f.includes('"namespace":"api"') && f.includes('"database":"cache"'))).toBe(false);
});

/** Series fields (JSON `[suffix, labels]`) of each metric, as flushed to the guardrails database. */
async function metricFields(...names: string[]): Promise<Record<string, string[]>> {
  const io = new IORedis(guardrails.redisUrl, { db: guardrails.db });
  try {
    const entries = await Promise.all(names.map(async (name) => {
      const [, keys] = await io.scan('0', 'MATCH', `*:${name}`, 'COUNT', 1000);
      return [name, (await Promise.all(keys.map((k) => io.hkeys(k)))).flat()] as const;
    }));
    return Object.fromEntries(entries);
  } finally {
    io.disconnect();
  }
}
