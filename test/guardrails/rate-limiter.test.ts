import { Redis } from '@upstash/redis';
import type { RateLimitPolicy } from '../../config/types';
import { GuardrailConfigError, GuardrailInputError } from '../../lambdas/guardrails/errors';
import { RateLimiterManager, rateLimitedResponse } from '../../lambdas/guardrails/rate-limiter';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { RecordingMetrics } from '../support/recording-metrics';

const policy = (overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({
  algorithm: 'sliding-window', limit: 100, windowSeconds: 600, keyBy: 'ip', failMode: 'open', timeoutMs: 5000, ...overrides,
});

/** Waits until at least `needMs` are left in the current window, so a burst stays inside one window. */
async function startOfRoomyWindow(windowSeconds: number, needMs: number): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 20));
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('RateLimiterManager on a real Redis', () => {
  let upstash: TestUpstash;

  beforeAll(async () => { upstash = await startTestUpstash(); });
  afterAll(async () => { await upstash?.stop(); });
  beforeEach(async () => { await upstash.flush(); });

  it.each(['sliding-window', 'fixed-window', 'token-bucket'] as const)(
    '%s: 5,000 concurrent requests at limit 100 let exactly 100 through', async (algorithm) => {
      const metrics = new RecordingMetrics();
      const manager = new RateLimiterManager({
        redis: upstash.redis, env: 'dev', metrics,
        policies: { marketing: policy({ algorithm, windowSeconds: 600, refillRate: 1 }) },
      });
      // Long windows: the burst stays inside one unless it starts in the last seconds of one.
      if (algorithm !== 'token-bucket') await startOfRoomyWindow(600, 10_000);
      const decisions = await Promise.all(Array.from({ length: 5000 }, () => manager.limit('marketing', '198.51.100.1')));
      const allowed = decisions.filter((d) => d.allowed);
      expect(allowed).toHaveLength(100);
      expect(decisions.filter((d) => d.outcome === 'limited')).toHaveLength(4900);
      expect(decisions.some((d) => d.outcome === 'failed_open')).toBe(false);
      expect(metrics.counter('ratelimit_requests_total', { bucket: 'marketing', outcome: 'allowed' })).toBe(100);
      expect(metrics.counter('ratelimit_requests_total', { bucket: 'marketing', outcome: 'limited' })).toBe(4900);
      // Remaining counts down 99..0 across the allowed ones: each saw a distinct count.
      expect(new Set(allowed.map((d) => d.remaining)).size).toBe(100);
    });

  it('fixed-window: a new window lets exactly 100 through again', async () => {
    const manager = new RateLimiterManager({
      redis: upstash.redis, env: 'dev', policies: { api: policy({ algorithm: 'fixed-window', windowSeconds: 8 }) },
    });
    // A burst of 400 (enough to be limited) started with 7 s of the window left: it fits in one
    // window even on a machine busy with other processes.
    const burst = async (): Promise<number> => {
      await startOfRoomyWindow(8, 7000);
      const started = Math.floor(Date.now() / 8000);
      const decisions = await Promise.all(Array.from({ length: 400 }, () => manager.limit('api', '198.51.100.9')));
      expect(Math.floor(Date.now() / 8000)).toBe(started); // the burst stayed inside one window
      return decisions.filter((d) => d.allowed).length;
    };
    expect(await burst()).toBe(100);
    await new Promise((r) => setTimeout(r, 8000 - (Date.now() % 8000) + 20));
    expect(await burst()).toBe(100);
  });

  it('sets RateLimit headers with Reset in the future, and Retry-After plus a JSON 429 when limited', async () => {
    const manager = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { api: policy({ limit: 3, windowSeconds: 30 }) } });
    await startOfRoomyWindow(30, 5000);
    const first = await manager.limit('api', '198.51.100.2');
    const before = Date.now();
    expect(first).toMatchObject({ outcome: 'allowed', allowed: true, limit: 3, remaining: 2 });
    expect(first.headers['RateLimit-Limit']).toBe('3');
    expect(first.headers['RateLimit-Remaining']).toBe('2');
    const reset = Number(first.headers['RateLimit-Reset']);
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(30);
    expect(first.resetEpochMs).toBeGreaterThan(before);
    expect(Math.abs(first.resetEpochMs - before - reset * 1000)).toBeLessThan(1500);
    expect(first.headers['Retry-After']).toBeUndefined();

    expect((await manager.limit('api', '198.51.100.2')).headers['RateLimit-Remaining']).toBe('1');
    expect((await manager.limit('api', '198.51.100.2')).headers['RateLimit-Remaining']).toBe('0');
    const limited = await manager.limit('api', '198.51.100.2');
    expect(limited).toMatchObject({ outcome: 'limited', allowed: false, remaining: 0 });
    expect(limited.headers['RateLimit-Remaining']).toBe('0');
    expect(Number(limited.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['Retry-After']).toBe(limited.headers['RateLimit-Reset']);

    const response = rateLimitedResponse(limited);
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'Retry-After': limited.headers['Retry-After'], 'RateLimit-Limit': '3' });
    expect(JSON.parse(response.body as string)).toEqual({ error: 'rate_limited', message: expect.stringContaining('api') });

    // Another client has its own count.
    expect((await manager.limit('api', '198.51.100.3')).allowed).toBe(true);
  });

  it('costs one Upstash request per allowed check once the script is loaded', async () => {
    const manager = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { api: policy({ limit: 50 }) } });
    await manager.limit('api', '198.51.100.4'); // the first call on a fresh Redis also loads the script
    upstash.resetRequestCount();
    for (let i = 0; i < 5; i++) await manager.limit('api', '198.51.100.4');
    expect(upstash.requestCount()).toBe(5);
  });

  it('refuses a client already over its limit from the in-process cache without calling the limiter script', async () => {
    const manager = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { api: policy({ limit: 1 }) } });
    await startOfRoomyWindow(600, 5000);
    await manager.limit('api', 'client-a');
    expect((await manager.limit('api', 'client-a')).outcome).toBe('limited');
    upstash.resetRequestCount();
    expect((await manager.limit('api', 'client-a')).outcome).toBe('limited');
    expect(upstash.requestCount()).toBe(0); // not an IP: no allowlist lookup either
  });

  it('keys api-key policies by a hash of the key, never the raw key', async () => {
    const manager = new RateLimiterManager({
      redis: upstash.redis, env: 'dev', policies: { admin: policy({ limit: 1, keyBy: 'api-key' }) },
    });
    await startOfRoomyWindow(600, 5000);
    expect((await manager.limitClient('admin', { ip: '198.51.100.5', apiKey: 'secret-key-1' })).allowed).toBe(true);
    // Same IP, other key: its own budget. Same key, other IP: the same budget.
    expect((await manager.limitClient('admin', { ip: '198.51.100.5', apiKey: 'secret-key-2' })).allowed).toBe(true);
    expect((await manager.limitClient('admin', { ip: '198.51.100.6', apiKey: 'secret-key-1' })).allowed).toBe(false);
    const keys = await upstash.redis.scan(0, { match: '*', count: 1000 });
    expect(keys[1].length).toBeGreaterThan(0);
    expect(keys[1].join(' ')).not.toContain('secret-key');
    expect(keys[1].every((k) => k.startsWith('dev:rl:admin:key:'))).toBe(true);
  });

  it('exempts an allowlisted IP until the exemption expires by itself', async () => {
    const metrics = new RecordingMetrics();
    const manager = new RateLimiterManager({ redis: upstash.redis, env: 'dev', metrics, policies: { api: policy({ limit: 1, windowSeconds: 600 }) } });
    const ip = '203.0.113.7';
    await startOfRoomyWindow(600, 5000);
    expect((await manager.limit('api', ip)).outcome).toBe('allowed');
    expect((await manager.limit('api', ip)).outcome).toBe('limited');

    const grant = await manager.allowTemporaryAccess(ip, 1);
    expect(grant.ip).toBe(ip);
    expect(grant.expiresAtEpochMs).toBeGreaterThan(Date.now());
    const exempt = await manager.limit('api', ip);
    expect(exempt).toMatchObject({ outcome: 'exempt', allowed: true });
    expect(metrics.counter('ratelimit_requests_total', { bucket: 'api', outcome: 'exempt' })).toBe(1);
    expect(await upstash.redis.pttl(`dev:rl-allow:${ip}`)).toBeGreaterThan(0);
    // Another IP is not exempt.
    await manager.limit('api', '203.0.113.8');
    expect((await manager.limit('api', '203.0.113.8')).outcome).toBe('limited');

    const expired = await until(async () => (await manager.limit('api', ip)).outcome === 'limited', 4000);
    expect(expired).toBe(true);
  });

  it('keeps a flood of refused requests from one IP cheap, and sees a grant from another instance within allowlistCacheMs', async () => {
    const policies = { api: policy({ limit: 1 }) };
    const a = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies, allowlistCacheMs: 500 });
    const b = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies });
    const ip = '203.0.113.20';
    await startOfRoomyWindow(600, 5000);
    await a.limit('api', ip);
    expect((await a.limit('api', ip)).outcome).toBe('limited');
    upstash.resetRequestCount();
    for (let i = 0; i < 20; i++) expect((await a.limit('api', ip)).outcome).toBe('limited');
    expect(upstash.requestCount()).toBeLessThanOrEqual(1);

    await b.allowTemporaryAccess(ip, 60);
    const seen = await until(async () => (await a.limit('api', ip)).outcome === 'exempt', 1500);
    expect(seen).toBe(true);
  });

  it('applies the allowlist to api-key policies by the client IP, and can revoke early', async () => {
    const manager = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { admin: policy({ limit: 1, keyBy: 'api-key' }) } });
    await startOfRoomyWindow(600, 5000);
    const client = { ip: '2001:DB8::1', apiKey: 'k' };
    await manager.limitClient('admin', client);
    expect((await manager.limitClient('admin', client)).outcome).toBe('limited');
    await manager.allowTemporaryAccess(client.ip, 60);
    expect((await manager.limitClient('admin', client)).outcome).toBe('exempt');
    expect(await manager.revokeTemporaryAccess('2001:db8::1')).toBe(true);
    expect((await manager.limitClient('admin', client)).outcome).toBe('limited');
  });

  it('rejects a bad IP or TTL for the allowlist with a named error', async () => {
    const manager = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { api: policy() } });
    await expect(manager.allowTemporaryAccess('not-an-ip', 60)).rejects.toThrow(GuardrailInputError);
    await expect(manager.allowTemporaryAccess('not-an-ip', 60)).rejects.toThrow(/IPv4 or IPv6 address, got "not-an-ip"/);
    await expect(manager.allowTemporaryAccess('203.0.113.9', 0)).rejects.toThrow(/ttlSeconds must be an integer between 1 and 604800, got 0/);
    await expect(manager.allowTemporaryAccess('203.0.113.9', 1.5)).rejects.toThrow(/got 1.5/);
  });

  it('refuses unknown buckets, bad bucket names and invalid policies at construction', async () => {
    const manager = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { api: policy() } });
    await expect(manager.limit('nope', '198.51.100.1')).rejects.toThrow(GuardrailConfigError);
    await expect(manager.limit('api', '')).rejects.toThrow(/1 to 256 characters/);
    expect(() => new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { 'Bad Name': policy() } }))
      .toThrow(/bucket names are lowercase/);
    expect(() => new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { api: policy({ limit: 0 }) } }))
      .toThrow(/policies\.api\.limit = 0/);
    expect(() => new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { api: policy({ timeoutMs: 9000 }) } }))
      .toThrow(/timeoutMs/);
  });
});

describe('RateLimiterManager when Redis is unavailable', () => {
  let upstash: TestUpstash;

  beforeAll(async () => { upstash = await startTestUpstash({ dedicatedRedis: true, viaProxy: true }); });
  afterAll(async () => { await upstash?.stop(); });

  function manager(metrics: RecordingMetrics): RateLimiterManager {
    return new RateLimiterManager({
      redis: upstash.redis, env: 'dev', metrics,
      policies: {
        marketing: policy({ failMode: 'open', timeoutMs: 150 }),
        admin: policy({ failMode: 'closed', timeoutMs: 150, keyBy: 'api-key' }),
      },
    });
  }

  it('answers from Redis while it is up', async () => {
    const m = manager(new RecordingMetrics());
    expect((await m.limit('marketing', '198.51.100.1')).outcome).toBe('allowed');
    expect((await m.limit('admin', 'key:abc')).outcome).toBe('allowed');
  });

  it('fails open or closed per policy, explicitly and counted, when Redis is slower than timeoutMs', async () => {
    const metrics = new RecordingMetrics();
    const m = manager(metrics);
    upstash.proxy!.setDelay(1000);
    try {
      const started = Date.now();
      const [open, closed] = await Promise.all([m.limit('marketing', '198.51.100.1'), m.limit('admin', 'key:abc')]);
      expect(Date.now() - started).toBeLessThan(900); // our timeout, not the slow answer or the library's 5 s
      expect(open).toMatchObject({ outcome: 'failed_open', allowed: true, failedOpen: true, failure: 'timeout', headers: {} });
      expect(closed).toMatchObject({ outcome: 'failed_closed', allowed: false, failure: 'timeout' });
      expect(closed.failedOpen).toBeUndefined();
      expect(metrics.counter('ratelimit_requests_total', { bucket: 'marketing', outcome: 'failed_open' })).toBe(1);
      expect(metrics.counter('ratelimit_requests_total', { bucket: 'admin', outcome: 'failed_closed' })).toBe(1);
    } finally {
      upstash.proxy!.setDelay(0);
    }
  });

  it('fails open or closed per policy when redis-server is stopped, and the 503 says why', async () => {
    const metrics = new RecordingMetrics();
    const m = manager(metrics);
    await upstash.redisProcess!.kill(); // a crash: the port stays ours for restart()
    const open = await m.limit('marketing', '198.51.100.1');
    const closed = await m.limit('admin', 'key:abc');
    expect(open).toMatchObject({ outcome: 'failed_open', allowed: true, failedOpen: true });
    expect(['error', 'timeout']).toContain(open.failure);
    expect(closed).toMatchObject({ outcome: 'failed_closed', allowed: false });
    const response = rateLimitedResponse(closed);
    expect(response.statusCode).toBe(503);
    expect(response.headers['Retry-After']).toBe('1');
    expect(JSON.parse(response.body as string).error).toBe('rate_limiter_unavailable');
    expect(metrics.counter('ratelimit_requests_total', { bucket: 'marketing', outcome: 'failed_open' })).toBe(1);
    expect(metrics.counter('ratelimit_requests_total', { bucket: 'admin', outcome: 'failed_closed' })).toBe(1);
    expect(metrics.counter('ratelimit_requests_total', { bucket: 'marketing', outcome: 'allowed' })).toBe(0);

    await upstash.redisProcess!.restart();
    const recovered = await until(async () => (await m.limit('marketing', '198.51.100.1')).outcome === 'allowed', 5000);
    expect(recovered).toBe(true);
  });

  it('fails per policy when the Upstash endpoint itself is unreachable', async () => {
    const unreachable = new Redis({ url: 'http://127.0.0.1:9', token: 'x', retry: false, enableTelemetry: false });
    const metrics = new RecordingMetrics();
    const m = new RateLimiterManager({
      redis: unreachable, env: 'dev', metrics,
      policies: { closed: policy({ failMode: 'closed', timeoutMs: 500 }) },
    });
    const decision = await m.limit('closed', '198.51.100.1');
    expect(decision).toMatchObject({ outcome: 'failed_closed', allowed: false, failure: 'error' });
  });
});
