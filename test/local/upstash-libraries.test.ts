/**
 * Upstash's own libraries run unchanged against the local server: `@upstash/ratelimit` enforces a
 * limit exactly under concurrency (its scripts go through EVALSHA, falling back to EVAL on NOSCRIPT),
 * and `@upstash/lock` acquires, excludes, extends and releases.
 */
import { Lock } from '@upstash/lock';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

let t: TestUpstash;
let redis: Redis;

beforeAll(async () => {
  t = await startTestUpstash();
  // The libraries expect the client's default JSON deserialization.
  redis = new Redis({ url: t.url, token: t.token, enableTelemetry: false });
});

afterAll(async () => { await t?.stop(); });

test.each([
  ['fixed window', Ratelimit.fixedWindow(25, '60 s')],
  ['sliding window', Ratelimit.slidingWindow(25, '60 s')],
  ['token bucket', Ratelimit.tokenBucket(1, '60 s', 25)],
])('@upstash/ratelimit %s: exactly the limit is allowed among 200 concurrent requests', async (name, limiter) => {
  const ratelimit = new Ratelimit({ redis, limiter, prefix: `rl:${name}`, ephemeralCache: false, analytics: false });
  const results = await Promise.all(Array.from({ length: 200 }, () => ratelimit.limit('user-1')));
  expect(results.filter((r) => r.success)).toHaveLength(25);
  const remaining = await ratelimit.getRemaining('user-1');
  expect(remaining.remaining).toBe(0);
  // Another identifier has its own budget.
  expect((await ratelimit.limit('user-2')).success).toBe(true);
});

test('@upstash/ratelimit loads its scripts after a SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
  const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(2, '60 s'), prefix: 'rl:flush', ephemeralCache: false });
  expect((await ratelimit.limit('a')).success).toBe(true);
  await redis.scriptFlush();
  t.server.clearCommandLog();
  expect((await ratelimit.limit('a')).success).toBe(true);
  const sent = t.server.commandLog().flatMap((e) => e.commands.map((c) => c[0].toUpperCase()));
  expect(sent.indexOf('EVALSHA')).toBeGreaterThanOrEqual(0);
  expect(sent.indexOf('EVAL')).toBeGreaterThan(sent.indexOf('EVALSHA'));
  expect((await ratelimit.limit('a')).success).toBe(false);
});

test('@upstash/lock: acquire excludes others, extend and release work', async () => {
  const first = new Lock({ id: 'lock:resource', redis, lease: 5_000 });
  const second = new Lock({ id: 'lock:resource', redis, lease: 5_000, retry: { attempts: 1, delay: 10 } });
  expect(await first.acquire()).toBe(true);
  expect(await first.getStatus()).toBe('ACQUIRED');
  expect(await second.acquire()).toBe(false);
  expect(await first.extend(5_000)).toBe(true);
  expect(await t.redis.pttl('lock:resource')).toBeGreaterThan(5_000);
  expect(await second.release()).toBe(false); // not the holder
  expect(await first.release()).toBe(true);
  expect(await first.getStatus()).toBe('FREE');
  expect(await second.acquire()).toBe(true);
  expect(await second.release()).toBe(true);
});
