/**
 * The `origin-bound` rate-limit scope on real Redis behind the local Upstash server: hits cost no
 * guardrails command, origin-bound reads are counted exactly, a client refused on this instance is
 * refused on hits too (429 with RateLimit-* and Retry-After), the allowlist lets it back in, and the
 * exact scope of another surface is untouched.
 */
import { DEFAULT_READ_POLICY } from '../../config/surfaces';
import type { RateLimitPolicy } from '../../config/types';
import { RateLimiterManager } from '../../lambdas/guardrails/rate-limiter';
import { useLocalStack } from '../support/local-stack';
import { clientFor, engineFor, get, jsonOf } from '../engine/engine-support';

const local = useLocalStack();
beforeEach(async () => {
  await Promise.all([local.cache.flush(), local.guardrails.flush()]);
  local.origin.reset();
  local.origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.path} #${req.n}` }));
});

const ORIGIN_BOUND: RateLimitPolicy = { ...DEFAULT_READ_POLICY, limit: 3, timeoutMs: 2000, scope: 'origin-bound' };

async function setup(policy: RateLimitPolicy = ORIGIN_BOUND) {
  const limiter = new RateLimiterManager({
    redis: await clientFor(local.guardrails, 2000), env: 'dev',
    policies: { marketing: policy, api: { ...DEFAULT_READ_POLICY, limit: 3, timeoutMs: 2000 } },
  });
  const engine = await engineFor(local.cache, local.origin.url, { rateLimiter: limiter, surface: { rateLimit: policy } });
  return { limiter, engine };
}

describe('origin-bound rate limiting', () => {
  it('sends no guardrails command on a hit and counts misses exactly', async () => {
    const { engine } = await setup();
    const miss = await engine.handle(get('/c/marketing/page'));
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['RateLimit-Limit']).toBe('3');
    expect(miss.headers['RateLimit-Remaining']).toBe('2');

    local.guardrails.server.resetBilledCommands();
    local.cache.server.resetBilledCommands();
    for (let i = 0; i < 20; i++) expect((await engine.handle(get('/c/marketing/page'))).headers['x-cache']).toBe('HIT');
    expect(local.guardrails.server.billedCommands()).toEqual({});
    expect(local.cache.server.billedCommands()).toEqual({ MGET: 20 });

    // Two more origin-bound reads fit the limit of 3; the third is refused before the origin.
    expect((await engine.handle(get('/c/marketing/a'))).statusCode).toBe(200);
    expect((await engine.handle(get('/c/marketing/b'))).statusCode).toBe(200);
    const refused = await engine.handle(get('/c/marketing/c'));
    expect(refused.statusCode).toBe(429);
    expect(jsonOf(refused)).toMatchObject({ error: 'rate_limited' });
    expect(local.origin.requests()).toBe(3);
  });

  it('refuses a client it has refused on hits too, with the headers, until the allowlist lets it back in', async () => {
    const { limiter, engine } = await setup();
    for (const path of ['a', 'b', 'c']) expect((await engine.handle(get(`/c/marketing/${path}`))).statusCode).toBe(200);
    expect((await engine.handle(get('/c/marketing/d'))).statusCode).toBe(429);

    const hit = await engine.handle(get('/c/marketing/a'));
    expect(hit.statusCode).toBe(429);
    expect(hit.headers['RateLimit-Limit']).toBe('3');
    expect(hit.headers['RateLimit-Remaining']).toBe('0');
    expect(Number(hit.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    // Another client's hits are served.
    expect((await engine.handle({ ...get('/c/marketing/a'), clientIp: '203.0.113.8' })).headers['x-cache']).toBe('HIT');

    await limiter.allowTemporaryAccess('203.0.113.7', 60);
    const back = await engine.handle(get('/c/marketing/a'));
    expect([back.statusCode, back.headers['x-cache']]).toEqual([200, 'HIT']);
  });

  it('sees an allowlist grant made elsewhere on refused hits', async () => {
    const { engine } = await setup();
    for (const path of ['a', 'b', 'c', 'd']) await engine.handle(get(`/c/marketing/${path}`));
    expect((await engine.handle(get('/c/marketing/a'))).statusCode).toBe(429);
    // Another instance (the admin function) grants the exemption.
    const admin = new RateLimiterManager({ redis: await clientFor(local.guardrails, 2000), env: 'dev', policies: { marketing: ORIGIN_BOUND } });
    await admin.allowTemporaryAccess('203.0.113.7', 60);
    const deadline = Date.now() + 5_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      status = (await engine.handle(get('/c/marketing/a'))).statusCode ?? 200;
      if (status === 429) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });

  it('keeps the exact scope on a surface that asks for it: every hit is counted', async () => {
    const { engine } = await setup({ ...ORIGIN_BOUND, scope: 'every-request' });
    await engine.handle(get('/c/marketing/page'));
    local.guardrails.server.resetBilledCommands();
    await engine.handle(get('/c/marketing/page'));
    await engine.handle(get('/c/marketing/page'));
    expect(local.guardrails.server.billedCommands()).toEqual({ EVALSHA: 2 });
    expect((await engine.handle(get('/c/marketing/page'))).statusCode).toBe(429);
  });
});
