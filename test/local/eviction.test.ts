/**
 * The local stack evicts like Upstash when asked (`local/eviction.ts`): the dev server's cache
 * database runs on its own redis-server with `maxmemory` and a random policy and really evicts;
 * the guardrails database never does. Real redis-servers, the real `@upstash/redis` client.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import IORedis from 'ioredis';
import { startDevServer, type DevServer } from '../../local/dev-server';
import { evictionFromArgs } from '../../local/eviction';
import { startRedisServer } from '../../local/redis-process';
import type { LocalUpstashServer } from '../../local/upstash-server';

const root = join(__dirname, '..', '..');
const VALUE = 'x'.repeat(64 * 1024);

function direct(url: string, db: number): IORedis {
  const conn = new IORedis(url, { db, maxRetriesPerRequest: 1 });
  conn.on('error', () => undefined);
  return conn;
}

function client(server: LocalUpstashServer): Redis {
  return new Redis({ url: server.url, token: server.token, enableTelemetry: false, automaticDeserialization: false });
}

async function evictedKeys(conn: IORedis): Promise<number> {
  return Number(/evicted_keys:(\d+)/.exec(await conn.info('stats'))?.[1] ?? 'NaN');
}

describe('evictionFromArgs', () => {
  test('no memory limit asked: no eviction', () => {
    expect(evictionFromArgs([])).toBeUndefined();
  });

  test('a size alone: allkeys-random, the superset of what Upstash evicts', () => {
    expect(evictionFromArgs(['--cache-maxmemory', '64mb'], 'cache-')).toEqual({ maxmemory: '64mb', policy: 'allkeys-random' });
    expect(evictionFromArgs(['--maxmemory=512kb', '--eviction-policy=volatile-random'])).toEqual({ maxmemory: '512kb', policy: 'volatile-random' });
  });

  test.each([
    [['--maxmemory', 'lots'], /must be a size such as 64mb.*got "lots"/],
    [['--maxmemory', '64mb', '--eviction-policy', 'lru'], /must be one of allkeys-random, volatile-random, noeviction, got "lru"/],
    [['--eviction-policy', 'allkeys-random'], /needs --maxmemory/],
    [['--maxmemory'], /--maxmemory needs a value/],
    [['--port', '1'], /unknown option --port/],
  ])('%j is refused', (args, message) => {
    expect(() => evictionFromArgs(args)).toThrow(message);
  });
});

describe('dev server with --cache-maxmemory', () => {
  let dev: DevServer;
  let cacheDb: IORedis;
  let guardrailsDb: IORedis;

  beforeAll(async () => {
    dev = await startDevServer({ port: 0, env: {}, cacheEviction: { maxmemory: '4mb', policy: 'allkeys-random' } });
    cacheDb = direct(dev.redisUrls.cache, 0);
    guardrailsDb = direct(dev.redisUrls.guardrails, 1);
  });

  afterAll(async () => {
    cacheDb?.disconnect();
    guardrailsDb?.disconnect();
    await dev?.close();
  });

  test('the databases run on two redis-servers: cache evicting, guardrails never', async () => {
    expect(dev.redisUrls.cache).not.toBe(dev.redisUrls.guardrails);
    expect(await cacheDb.config('GET', 'maxmemory*')).toEqual(expect.arrayContaining(['maxmemory', String(4 * 1024 * 1024), 'maxmemory-policy', 'allkeys-random']));
    expect(await guardrailsDb.config('GET', 'maxmemory*')).toEqual(expect.arrayContaining(['maxmemory', '0', 'maxmemory-policy', 'noeviction']));
  });

  test('writes past maxmemory through the REST server evict random keys, with or without a TTL', async () => {
    const cache = client(dev.upstash.cache);
    for (let i = 0; i < 150; i++) {
      await (i % 2 === 0 ? cache.set(`persistent:${i}`, VALUE) : cache.set(`expiring:${i}`, VALUE, { ex: 3600 }));
    }
    expect(await evictedKeys(cacheDb)).toBeGreaterThan(0);
    const left = await cacheDb.dbsize();
    expect(left).toBeLessThan(150);
    // allkeys-random: keys without a TTL go too, as Upstash evicts them once TTL keys run out.
    expect((await cacheDb.keys('persistent:*')).length).toBeLessThan(75);
  });

  test('the guardrails database keeps every key under the same writes', async () => {
    const guardrails = client(dev.upstash.guardrails);
    for (let i = 0; i < 150; i++) await guardrails.set(`kept:${i}`, VALUE);
    expect(await guardrailsDb.dbsize()).toBe(150);
    expect(await evictedKeys(guardrailsDb)).toBe(0);
  });

  test('an existing REDIS_URL cannot be combined with it', async () => {
    await expect(startDevServer({ port: 0, env: {}, redisUrl: dev.redisUrls.guardrails, cacheEviction: { maxmemory: '4mb', policy: 'allkeys-random' } }))
      .rejects.toThrow(/unset REDIS_URL/);
  });
});

test('volatile-random alone refuses writes once no key has a TTL (why allkeys-random is the default)', async () => {
  const redis = await startRedisServer({ maxmemory: '2mb', evictionPolicy: 'volatile-random' });
  const conn = direct(redis.url, 0);
  try {
    let refused: unknown;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      await conn.set(`persistent:${i}`, VALUE).catch((e: unknown) => { refused = e; });
    }
    expect(String(refused)).toMatch(/OOM command not allowed/);
    expect(await evictedKeys(conn)).toBe(0);
  } finally {
    conn.disconnect();
    await redis.stop();
  }
});

test('npm run local:upstash refuses a bad --maxmemory with a message and exit code 1', async () => {
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'local/start-upstash.ts', '--maxmemory', 'lots'], {
    cwd: root, env: { ...process.env, REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(err).toMatch(/--maxmemory must be a size such as 64mb.*got "lots"/);
}, 30_000);
