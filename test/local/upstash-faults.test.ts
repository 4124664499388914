/**
 * The local Upstash server when Redis dies, comes back or turns slow: a dead Redis is a quick 503
 * (never a hang, never a false success), and the server recovers by itself once Redis is back.
 */
import { Redis } from '@upstash/redis';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

describe('Redis killed and restarted', () => {
  let t: TestUpstash;
  beforeAll(async () => { t = await startTestUpstash({ dedicatedRedis: true }); });
  afterAll(async () => { await t?.stop(); });

  test('503 while Redis is down, working again after restart', async () => {
    const redis = new Redis({ url: t.url, token: t.token, retry: false, enableTelemetry: false, automaticDeserialization: false });
    expect(await redis.set('k', 'v')).toBe('OK');
    await t.redisProcess?.kill();
    const res = await fetch(t.url, { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: '["get","k"]' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/^ERR Redis unavailable/) });
    await expect(redis.get('k')).rejects.toThrow(/Redis unavailable/);
    await t.redisProcess?.restart();
    let value: unknown = 'not yet';
    for (let i = 0; i < 50 && value === 'not yet'; i++) {
      value = await redis.get('k').catch(() => 'not yet');
      if (value === 'not yet') await new Promise((r) => setTimeout(r, 50));
    }
    expect(value).toBeNull(); // a restarted Redis without persistence is empty
    expect(await redis.set('k', 'again')).toBe('OK');
    expect(await redis.get('k')).toBe('again');
  });

  test('a request in flight when Redis dies gets a 503, not a hang', async () => {
    const busy = 'local s = redis.call("TIME") while true do local n = redis.call("TIME") '
      + 'if (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 2000000 then return 1 end end';
    const inFlight = fetch(t.url, { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: JSON.stringify(['eval', busy, 0]) });
    await new Promise((r) => setTimeout(r, 100));
    await t.redisProcess?.kill();
    const res = await inFlight;
    expect(res.status).toBe(503);
    await t.redisProcess?.restart();
  });
});

describe('Redis behind a delaying proxy', () => {
  let t: TestUpstash;
  beforeAll(async () => { t = await startTestUpstash({ viaProxy: true }); });
  afterAll(async () => { await t?.stop(); });

  test('setDelay slows every command by at least the delay, and 0 removes it', async () => {
    expect(t.proxy).toBeDefined();
    await t.redis.set('slow', 'v');
    t.proxy?.setDelay(150);
    const started = Date.now();
    expect(await t.redis.get('slow')).toBe('v');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290); // request and reply each delayed
    t.proxy?.setDelay(0);
    expect(await t.redis.get('slow')).toBe('v');
    expect(() => t.proxy?.setDelay(-1)).toThrow(/non-negative/);
  });

  test('a client timeout fires while Redis is slow, and the server answers normally afterwards', async () => {
    t.proxy?.setDelay(500);
    const impatient = new Redis({ url: t.url, token: t.token, retry: false, enableTelemetry: false, signal: () => AbortSignal.timeout(100) });
    await expect(impatient.get('slow')).rejects.toThrow();
    t.proxy?.setDelay(0);
    expect(await t.redis.get('slow')).toBe('v');
  });
});
