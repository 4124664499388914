import { bumpResourceGeneration, bumpSurfaceGeneration, deleteKeys, getBypass, setBypass } from '../../lambdas/engine/invalidation';
import { VersionRegistry } from '../../lambdas/engine/version-registry';
import { useLocalStack } from '../support/local-stack';
import { clientFor, engineFor, get, type TestCache } from './engine-support';

const local = useLocalStack({ guardrails: false });
beforeEach(async () => {
  await local.cache.flush();
  local.origin.reset();
  local.origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.path} #${req.n}`, delayMs: 100 }));
});

/**
 * Engines with a generous Redis timeout: these tests are about coalescing with a healthy Redis, and
 * on a machine busy with other processes redis-server itself can take longer than 500 ms to answer.
 */
async function fleet(n: number): Promise<TestCache[]> {
  return Promise.all(Array.from({ length: n }, () => engineFor(local.cache, local.origin.url, { redisTimeoutMs: 5_000 })));
}

describe('stampede protection', () => {
  it('1,000 concurrent requests for one cold key across 4 engines reach the origin once', async () => {
    const engines = await fleet(4);
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
      (engines[i % engines.length] as TestCache).handle(get('/c/api/cold'))));
    expect(local.origin.requests()).toBe(1);
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body))).toEqual(new Set(['/api/cold #1']));
    const statuses = new Set(results.map((r) => r.headers['x-cache']));
    expect(statuses.has('MISS')).toBe(true);
    expect(statuses.has('HIT')).toBe(true);
    expect(await local.cache.redis.exists('dev:lock:api:cold:default')).toBe(0);
  });

  it('waiters fall back to the origin themselves when the owner never writes (oversize)', async () => {
    local.origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `${'x'.repeat(9000)}${req.n}`, delayMs: 50 }));
    const engines = await Promise.all([0, 1].map(() => engineFor(local.cache, local.origin.url, { maxItemBytes: 4096, surface: { compressAboveBytes: 1_000_000 } })));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (engines[i % 2] as TestCache).handle(get('/c/api/huge'))));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    // Not one per request: the refresh lock hands over from one caller to the next.
    expect(local.origin.requests()).toBeLessThanOrEqual(4);
  });
});

describe('invalidation', () => {
  it('a surface generation bump makes the next read a MISS on every instance', async () => {
    const engines = await fleet(3);
    for (const e of engines) await e.handle(get('/c/marketing/home'));
    for (const e of engines) expect((await e.handle(get('/c/marketing/home'))).headers['x-cache']).toBe('HIT');
    const redis = await clientFor(local.cache);
    const bump = await bumpSurfaceGeneration({ cache: redis, guardrails: redis }, 'dev', 'marketing');
    expect(bump).toMatchObject({ kind: 'surface', key: 'dev:gen:marketing' });
    const afterBump = await Promise.all(engines.map((e) => e.handle(get('/c/marketing/home'))));
    // Every instance sees it at once (no L1): the first re-fills, the others wait for it or find it.
    expect(afterBump.map((r) => r.body)).toEqual(afterBump.map(() => '/marketing/home #2'));
    expect(afterBump.some((r) => r.headers['x-cache'] === 'MISS')).toBe(true);
    expect(local.origin.requests()).toBe(2);
  });

  it('a resource bump invalidates that resource only; a second bump never reuses a generation', async () => {
    const [e] = await fleet(1);
    const engine = e as TestCache;
    await engine.handle(get('/c/api/a'));
    await engine.handle(get('/c/api/b'));
    const redis = await clientFor(local.cache);
    const first = await bumpResourceGeneration({ cache: redis, guardrails: redis }, 'dev', 'api', 'a');
    // An evicted generation mirror must not bring back entries written before the bump (ABA).
    await local.cache.redis.del(first.key);
    expect((await engine.handle(get('/c/api/a'))).headers['x-cache']).toBe('MISS');
    expect((await engine.handle(get('/c/api/b'))).headers['x-cache']).toBe('HIT');
    await local.cache.redis.del(first.key);
    expect((await engine.handle(get('/c/api/a'))).headers['x-cache']).toBe('HIT');
    const second = await bumpResourceGeneration({ cache: redis, guardrails: redis }, 'dev', 'api', 'a');
    expect(second.generation).not.toBe(first.generation);
  });

  it('exact delete and a registry version bump force misses', async () => {
    const [e] = await fleet(1);
    await (e as TestCache).handle(get('/c/api/x'));
    const redis = await clientFor(local.cache);
    expect(await deleteKeys(redis, ['dev:api:x:default', 'dev:api:never:default'])).toEqual({ kind: 'keys', requested: 2, deleted: 1 });
    await expect(deleteKeys(redis, ['*'])).rejects.toThrow(/key/);
    expect((await (e as TestCache).handle(get('/c/api/x'))).headers['x-cache']).toBe('MISS');
    const bumped = await engineFor(local.cache, local.origin.url, { registry: new VersionRegistry().bump('api') });
    expect((await bumped.handle(get('/c/api/x'))).headers['x-cache']).toBe('MISS');
    expect((await bumped.handle(get('/c/api/x'))).headers['x-cache']).toBe('HIT');
  });

  it('bypass flags expire by themselves and report their state', async () => {
    const redis = await clientFor(local.cache);
    expect(await getBypass(redis, 'dev', 'api')).toMatchObject({ enabled: false });
    await setBypass({ cache: redis, guardrails: redis }, 'dev', 'api', true, 60);
    const on = await getBypass(redis, 'dev', 'api');
    expect(on.enabled).toBe(true);
    expect(on.ttlSeconds).toBeGreaterThan(55);
    await expect(setBypass({ cache: redis, guardrails: redis }, 'dev', 'api', true, 0)).rejects.toThrow(/ttlSeconds/);
    await setBypass({ cache: redis, guardrails: redis }, 'dev', 'api', false, 0);
    expect(await getBypass(redis, 'dev', 'api')).toMatchObject({ enabled: false });
  });
});
