/**
 * The pieces tests build on: redis-server processes (stop, kill, restart on the same port), the
 * delaying TCP proxy, isolated databases from `startTestUpstash`, and the counting origin.
 */
import IORedis from 'ioredis';
import { startRedisServer } from '../../local/redis-process';
import { startTcpProxy } from '../../local/tcp-proxy';
import { startUpstashServer } from '../../local/upstash-server';
import { startOrigin } from '../support/origin';
import { startTestUpstash } from '../support/upstash';

function connect(url: string, db = 0): IORedis {
  const conn = new IORedis(url, { db, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  conn.on('error', () => undefined);
  return conn;
}

test('redis-server: kill keeps the port, restart serves it again empty, stop ends it', async () => {
  const redis = await startRedisServer({ databases: 4 });
  try {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const conn = connect(redis.url);
    await conn.connect();
    await conn.set('k', 'v');
    expect(await conn.config('GET', 'databases')).toEqual(['databases', '4']);
    expect(await conn.config('GET', 'save')).toEqual(['save', '']);
    conn.disconnect();
    await redis.kill();
    await expect(connect(redis.url).connect()).rejects.toThrow();
    await redis.restart();
    const again = connect(redis.url);
    await again.connect();
    expect(await again.get('k')).toBeNull();
    again.disconnect();
  } finally {
    await redis.stop();
  }
  await expect(connect(redis.url).connect()).rejects.toThrow();
  await redis.restart(); // a stopped server can be started again too
  const back = connect(redis.url);
  await back.connect();
  expect(await back.ping()).toBe('PONG');
  back.disconnect();
  await redis.stop();
});

test('redis-server: a bad option is reported, not ignored', async () => {
  await expect(startRedisServer({ databases: 0 })).rejects.toThrow(/databases must be a positive integer/);
  await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(/not found.*apt-get install/);
  const taken = await startRedisServer();
  try {
    // Readiness is this process's own log line, never a probe that another server could answer.
    await expect(startRedisServer({ port: taken.port })).rejects.toThrow(/Address already in use/);
  } finally {
    await taken.stop();
  }
});

test('tcp proxy forwards bytes both ways and delays them', async () => {
  const redis = await startRedisServer();
  const proxy = await startTcpProxy({ targetPort: redis.port, delayMs: 0 });
  const conn = connect(proxy.url);
  try {
    await conn.connect();
    expect(await conn.set('via', 'proxy')).toBe('OK');
    proxy.setDelay(100);
    const started = Date.now();
    expect(await conn.get('via')).toBe('proxy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  } finally {
    conn.disconnect();
    await proxy.close();
    await redis.stop();
  }
});

test('startTestUpstash: concurrent calls get distinct databases, isolated from each other', async () => {
  const many = await Promise.all(Array.from({ length: 4 }, () => startTestUpstash()));
  try {
    expect(new Set(many.map((t) => t.db)).size).toBe(4);
    expect(new Set(many.map((t) => t.redisUrl)).size).toBe(1);
    await Promise.all(many.map((t, i) => t.redis.set('who', String(i))));
    expect(await Promise.all(many.map((t) => t.redis.get('who')))).toEqual(['0', '1', '2', '3']);
    await many[0].flush();
    expect(await many[0].redis.get('who')).toBeNull();
    expect(await many[1].redis.get('who')).toBe('1');
  } finally {
    await Promise.all(many.map((t) => t.stop()));
  }
  // A database handed back is empty when it is handed out again.
  const next = await startTestUpstash();
  try {
    expect(await next.redis.dbsize()).toBe(0);
  } finally {
    await next.stop();
  }
});

test('origin counts requests per path and uses the handler it is given', async () => {
  const origin = await startOrigin();
  try {
    const first = await fetch(`${origin.url}/a?x=1`);
    expect(await first.json()).toEqual({ path: '/a', query: 'x=1', n: 1 });
    await fetch(`${origin.url}/a`);
    await fetch(`${origin.url}/b`, { method: 'POST', body: 'payload' });
    expect(origin.requests()).toBe(3);
    expect(origin.requestsFor('/a')).toBe(2);
    expect(origin.requestsFor('/a?x=1')).toBe(1);
    expect(origin.log()[2]).toMatchObject({ method: 'POST', path: '/b', body: 'payload' });
    origin.setHandler((req) => ({ status: 503, headers: { 'x-origin': 'custom' }, body: `down ${req.path}` }));
    const down = await fetch(`${origin.url}/c`);
    expect(down.status).toBe(503);
    expect(down.headers.get('x-origin')).toBe('custom');
    expect(await down.text()).toBe('down /c');
    origin.setHandler((_req, res) => { res.writeHead(204); res.end(); });
    expect((await fetch(`${origin.url}/d`)).status).toBe(204);
    origin.setHandler(() => { throw new Error('boom'); });
    const failed = await fetch(`${origin.url}/e`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toMatch(/boom/);
    origin.reset();
    expect(origin.requests()).toBe(0);
  } finally {
    await origin.close();
  }
});

test('startUpstashServer: bad options and an unreachable Redis fail with a clear message', async () => {
  const redis = await startRedisServer({ databases: 2 });
  try {
    await expect(startUpstashServer({ redisUrl: redis.url, db: 5 })).rejects.toThrow(/has no database 5/);
    await expect(startUpstashServer({ redisUrl: redis.url, db: -1 })).rejects.toThrow(/db must be a non-negative integer, got -1/);
    await expect(startUpstashServer({ redisUrl: redis.url, port: 70000 })).rejects.toThrow(/port must be .* got 70000/);
    await expect(startUpstashServer({ redisUrl: redis.url, token: 'same', readOnlyToken: 'same' })).rejects.toThrow(/must differ/);
  } finally {
    await redis.stop();
  }
  await expect(startUpstashServer({ redisUrl: redis.url })).rejects.toThrow(/cannot connect to Redis at redis:\/\/127\.0\.0\.1/);
});
