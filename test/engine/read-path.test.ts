import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Redis } from '@upstash/redis';
import { TokenAuthenticator } from '../../lambdas/guardrails/token-auth';
import { encodeEnvelope } from '../../lambdas/engine/envelope';
import { setBypass } from '../../lambdas/engine/invalidation';
import { useLocalStack } from '../support/local-stack';
import { bodyOf, clientFor, engineFor, get, jsonOf } from './engine-support';
import { RecordingMetrics } from '../support/recording-metrics';

const local = useLocalStack({ guardrails: false });
let redis: Redis;

beforeAll(async () => {
  redis = await clientFor(local.cache);
});
beforeEach(async () => {
  await local.cache.flush();
  local.origin.reset();
  local.origin.setHandler((req) => ({
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-language': 'en', 'x-secret': 'origin-only' },
    body: `<h1>${req.path} #${req.n} lang=${req.query.get('lang') ?? ''} al=${req.headers['accept-language'] ?? ''}</h1>`,
  }));
});

describe('read path', () => {
  it('MISS then HIT with identical status, body and stored headers; one Upstash request per hit', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    const miss = await engine.handle(get('/c/marketing/blog/hello-world'));
    expect(miss.statusCode).toBe(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    local.cache.resetRequestCount();
    const hit = await engine.handle(get('/c/marketing/blog/hello-world'));
    expect(local.cache.requestCount()).toBe(1);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.statusCode).toBe(miss.statusCode);
    expect(hit.body).toBe(miss.body);
    expect(hit.body).toMatch(/^<h1>\/marketing\/blog\/hello-world #1 lang= /);
    for (const h of ['content-type', 'content-language', 'etag']) expect(hit.headers[h]).toBe(miss.headers[h]);
    expect(hit.headers['x-secret']).toBeUndefined();
    expect(hit.headers['cache-control']).toMatch(/^public, max-age=\d+, stale-while-revalidate=30$/);
    expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(0);
    expect(local.origin.requests()).toBe(1);
  });

  it('varies only on the configured query parameters and headers', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    await engine.handle(get('/c/marketing/p', {}, { lang: 'de', utm_source: 'x' }));
    const again = await engine.handle(get('/c/marketing/p', {}, { lang: 'de', utm_source: 'y' }));
    expect(again.headers['x-cache']).toBe('HIT');
    expect(local.origin.log()[0]?.url).toBe('/marketing/p?lang=de');
    const otherLang = await engine.handle(get('/c/marketing/p', { 'Accept-Language': 'fr' }, { lang: 'de' }));
    expect(otherLang.headers['x-cache']).toBe('MISS');
    expect(otherLang.body).toContain('al=fr');
  });

  it('answers 304 to a matching If-None-Match and no body to HEAD', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    const first = await engine.handle(get('/c/api/items'));
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const notModified = await engine.handle(get('/c/api/items', { 'If-None-Match': `"other", W/${etag}` }));
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers.etag).toBe(etag);
    const changed = await engine.handle(get('/c/api/items', { 'if-none-match': '"nope"' }));
    expect(changed.statusCode).toBe(200);
    const head = await engine.handle({ ...get('/c/api/items'), method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.etag).toBe(etag);
    expect(head.headers['x-cache']).toBe('HIT');
  });

  it('round-trips binary bodies byte for byte (MISS and HIT, compressed or not)', async () => {
    const payloads = [randomBytes(70_000), Buffer.alloc(50_000, 7), Buffer.from([0, 255, 254, 0xc3, 0x28])];
    local.origin.setHandler((req, res) => {
      const i = Number(req.path.split('/').pop());
      res.writeHead(200, { 'content-type': i === 2 ? 'text/plain' : 'application/octet-stream' });
      res.end(payloads[i]);
    });
    const engine = await engineFor(local.cache, local.origin.url);
    for (const [i, payload] of payloads.entries()) {
      const miss = await engine.handle(get(`/c/api/bin/${i}`));
      const hit = await engine.handle(get(`/c/api/bin/${i}`));
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(bodyOf(miss).equals(payload)).toBe(true);
      expect(bodyOf(hit).equals(payload)).toBe(true);
    }
  });

  it('heals a corrupt entry: counted, deleted, read as a miss, replaced', async () => {
    const metrics = new RecordingMetrics();
    const engine = await engineFor(local.cache, local.origin.url, { metrics });
    await engine.handle(get('/c/api/corrupt'));
    const key = 'dev:api:corrupt:default';
    const stored = await local.cache.redis.get<string>(key);
    expect(stored).toBeTruthy();
    const tampered = JSON.stringify({ ...JSON.parse(stored as string), body: Buffer.from('tampered').toString('base64') });
    await local.cache.redis.set(key, tampered);
    const res = await engine.handle(get('/c/api/corrupt'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-cache']).toBe('MISS');
    expect(res.body).not.toContain('tampered');
    expect(metrics.counter('cache_corrupt_entries_total', { namespace: 'api' })).toBe(1);
    expect(await local.cache.redis.get(key)).not.toBe(tampered);
    expect((await engine.handle(get('/c/api/corrupt'))).headers['x-cache']).toBe('HIT');

    await local.cache.redis.set(key, 'garbage{');
    local.origin.setHandler(() => ({ status: 503, body: 'down' }));
    const noStale = await engine.handle(get('/c/api/corrupt'));
    expect(noStale.statusCode).toBe(502);
    expect(await local.cache.redis.get(key)).toBeNull();
    expect(metrics.counter('cache_corrupt_entries_total', { namespace: 'api' })).toBe(2);
  });

  it('serves but never stores a payload above MAX_ITEM_BYTES', async () => {
    const metrics = new RecordingMetrics();
    const engine = await engineFor(local.cache, local.origin.url, { maxItemBytes: 4096, metrics });
    const big = randomBytes(10_000);
    local.origin.setHandler((_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(big); });
    const first = await engine.handle(get('/c/api/big'));
    expect(first.statusCode).toBe(200);
    expect(bodyOf(first).equals(big)).toBe(true);
    expect(await local.cache.redis.exists('dev:api:big:default')).toBe(0);
    expect((await engine.handle(get('/c/api/big'))).headers['x-cache']).toBe('MISS');
    expect(local.origin.requests()).toBe(2);
    // The second read knows the key is oversize (remembered briefly): it does not try to store again.
    expect(metrics.counter('cache_evictions_total', { namespace: 'api', reason: 'oversize' })).toBe(1);
    expect(metrics.counterTotal('cache_writes_total', { namespace: 'api' })).toBe(0);
  });

  it('never caches origin 5xx: 502 without stale, and the next request goes to the origin again', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    local.origin.setHandler(() => ({ status: 500, body: 'boom' }));
    const res = await engine.handle(get('/c/api/flaky'));
    expect(res.statusCode).toBe(502);
    expect(jsonOf(res)).toEqual({ error: 'origin_unavailable', message: expect.stringContaining('500') });
    expect(await local.cache.redis.exists('dev:api:flaky:default')).toBe(0);
    local.origin.setHandler(() => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok now' }));
    const ok = await engine.handle(get('/c/api/flaky'));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('ok now');
  });

  it('caches and replays origin redirects instead of following them', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    local.origin.setHandler(() => ({ status: 301, headers: { location: '/marketing/new-home' }, body: '' }));
    const first = await engine.handle(get('/c/api/old-home'));
    const again = await engine.handle(get('/c/api/old-home'));
    expect([first.statusCode, first.headers.location]).toEqual([301, '/marketing/new-home']);
    expect([again.statusCode, again.headers.location, again.headers['x-cache']]).toEqual([301, '/marketing/new-home', 'HIT']);
    expect(local.origin.requests()).toBe(1);
  });

  it('respects origin no-store and does not store uncacheable statuses', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    local.origin.setHandler(() => ({ status: 200, headers: { 'content-type': 'text/plain', 'cache-control': 'private, max-age=60' }, body: 'mine' }));
    const res = await engine.handle(get('/c/api/private'));
    expect(res.headers['cache-control']).toBe('no-store');
    local.origin.setHandler(() => ({ status: 403, body: 'no' }));
    expect((await engine.handle(get('/c/api/forbidden'))).statusCode).toBe(403);
    expect(await local.cache.redis.exists('dev:api:private:default', 'dev:api:forbidden:default')).toBe(0);
  });

  it('stale-while-revalidate: serves STALE while one caller refreshes, then the fresh entry', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const a = await engineFor(local.cache, local.origin.url, { clock });
    const b = await engineFor(local.cache, local.origin.url, { clock });
    const first = await a.handle(get('/c/api/swr'));
    expect(first.body).toContain('#1');
    offset = 35_000; // past the 30 s TTL, inside the 10 s stale window
    local.origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `fresh #${req.n}`, delayMs: 300 }));
    const refreshing = a.handle(get('/c/api/swr'));
    await new Promise((r) => setTimeout(r, 50));
    const stale = await b.handle(get('/c/api/swr'));
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.body).toBe(first.body);
    expect(stale.headers['cache-control']).toMatch(/max-age=0, stale-while-revalidate=\d+/);
    const refreshed = await refreshing;
    expect(refreshed.headers['x-cache']).toBe('MISS');
    expect(refreshed.body).toBe('fresh #2');
    const after = await b.handle(get('/c/api/swr'));
    expect(after.headers['x-cache']).toBe('HIT');
    expect(after.body).toBe('fresh #2');
    expect(local.origin.requests()).toBe(2);
  });

  it('serves STALE when the refresh fails, and a miss after the stale window', async () => {
    let offset = 0;
    const engine = await engineFor(local.cache, local.origin.url, { clock: () => Date.now() + offset });
    const first = await engine.handle(get('/c/api/fallback'));
    offset = 31_000;
    local.origin.setHandler(() => ({ status: 503, body: 'down' }));
    const stale = await engine.handle(get('/c/api/fallback'));
    expect(stale.statusCode).toBe(200);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.body).toBe(first.body);
    offset = 41_000;
    expect((await engine.handle(get('/c/api/fallback'))).statusCode).toBe(502);
  });

  it('answers 502 without internal error text when the origin cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const engine = await engineFor(local.cache, `http://127.0.0.1:${port}`);
    const res = await engine.handle(get('/c/api/unreachable'));
    expect(res.statusCode).toBe(502);
    expect(jsonOf(res)).toEqual({ error: 'origin_unavailable', message: expect.stringContaining('the origin request failed') });
    expect(String(res.body)).not.toMatch(/ECONNREFUSED|fetch failed|127\.0\.0\.1|:\d{4,5}/);
  });

  it('XFetch refreshes a hot entry before it expires', async () => {
    let offset = 0;
    local.origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `v${req.n}`, delayMs: 50 }));
    const engine = await engineFor(local.cache, local.origin.url, { clock: () => Date.now() + offset, xfetchBeta: 1, random: () => 1e-300 });
    await engine.handle(get('/c/api/hot'));
    offset = 29_000; // 1 s before expiry; -ln(1e-300) * ~50 ms is far more than that
    const early = await engine.handle(get('/c/api/hot'));
    expect(early.headers['x-cache']).toBe('MISS');
    expect(early.body).toBe('v2');
    const lazy = await engineFor(local.cache, local.origin.url, { clock: () => Date.now() + offset, xfetchBeta: 1, random: () => 0.999 });
    expect((await lazy.handle(get('/c/api/hot'))).headers['x-cache']).toBe('HIT');
  });

  it('emergency bypass flag sends traffic to the origin until it expires', async () => {
    const metrics = new RecordingMetrics();
    const engine = await engineFor(local.cache, local.origin.url, { metrics });
    await engine.handle(get('/c/marketing/b'));
    await setBypass({ cache: redis, guardrails: redis }, 'dev', 'marketing', true, 1);
    const bypassed = await engine.handle(get('/c/marketing/b'));
    expect(bypassed.headers['x-cache']).toBe('BYPASS');
    expect(bypassed.body).toContain('#2');
    expect(metrics.counter('cache_bypass_total', { namespace: 'marketing', reason: 'emergency' })).toBe(1);
    expect((await engine.handle(get('/c/api/b'))).headers['x-cache']).toBe('MISS');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await engine.handle(get('/c/marketing/b'))).headers['x-cache']).toBe('HIT');
  });

  it('rejects bad input with 4xx JSON errors and never touches Redis for it', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    local.cache.resetRequestCount();
    const cases: [string, string, number, string][] = [
      ['GET', '/c/unknown/x', 404, 'unknown_surface'],
      ['GET', '/c/marketing/Blog/Post', 400, 'bad_key'],
      ['GET', '/c/marketing/a%2F..%2Fb', 400, 'bad_key'],
      ['GET', '/c/marketing/a//b', 400, 'bad_key'],
      ['GET', '/c/marketing', 400, 'bad_key'],
      ['GET', `/c/marketing/${'a'.repeat(300)}`, 400, 'bad_key'],
      ['POST', '/c/marketing/x', 405, 'method_not_allowed'],
      ['GET', '/nope', 404, 'not_found'],
    ];
    for (const [method, path, status, code] of cases) {
      const res = await engine.handle({ ...get(path), method });
      expect([path, res.statusCode]).toEqual([path, status]);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const body = jsonOf(res);
      expect(body.error).toBe(code);
      expect(typeof body.message).toBe('string');
      expect(res.body).not.toMatch(/\n\s+at /);
    }
    expect(local.cache.requestCount()).toBe(0);
    expect(local.origin.requests()).toBe(0);
  });

  it('/healthz, /readyz and /debug/cache (metrics token)', async () => {
    const metricsAuth = new TokenAuthenticator({ tokens: async () => ['s3cret-token'], kind: 'metrics' });
    const engine = await engineFor(local.cache, local.origin.url, { metricsAuth });
    expect((await engine.handle(get('/healthz'))).statusCode).toBe(200);
    expect(jsonOf(await engine.handle(get('/readyz')))).toMatchObject({ status: 'ready' });
    await engine.handle(get('/c/api/dbg'));
    const key = 'dev:api:dbg:default';
    expect((await engine.handle(get('/debug/cache', {}, { key }))).statusCode).toBe(401);
    expect((await engine.handle(get('/debug/cache', { authorization: 'Bearer wrong' }, { key }))).statusCode).toBe(401);
    const auth = { authorization: 'Bearer s3cret-token' };
    const dbg = await engine.handle(get('/debug/cache', auth, { key }));
    expect(dbg.statusCode).toBe(200);
    expect(jsonOf(dbg)).toMatchObject({ key, corrupt: false, valid: true, state: 'fresh', status: 200, ttlSeconds: 30 });
    expect(jsonOf(dbg).checksum).toMatch(/^sha256-/);
    expect((await engine.handle(get('/debug/cache', auth, { key: 'dev:api:nothing:default' }))).statusCode).toBe(404);
    expect((await engine.handle(get('/debug/cache', auth, { key: 'BAD KEY' }))).statusCode).toBe(400);
    expect((await engine.handle(get('/debug/cache', auth))).statusCode).toBe(400);
  });

  it('an entry written under another surface version reads as a miss', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    const { value } = encodeEnvelope({
      surfaceVersion: 99, storedAtMs: Date.now(), ttlSeconds: 30, staleSeconds: 10, generations: { surface: '0', resource: '0' },
      originMs: 1, payload: { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('old layout') },
    });
    await local.cache.redis.set('dev:api:versioned:default', value);
    const res = await engine.handle(get('/c/api/versioned'));
    expect(res.headers['x-cache']).toBe('MISS');
    expect(res.body).not.toBe('old layout');
  });
});
