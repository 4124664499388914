/**
 * The HTTP contract (README "HTTP contract", contracts/routes.ts) end to end, as a client sees it: the dev server
 * (`startDevServer`, what `npm run dev` runs) on a real redis-server behind the local
 * Upstash-compatible servers, with a counting local origin. Nothing is mocked.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { authoritativeKey } from '../../lambdas/engine/keys';
import { bearer, send } from './client';
import { environment } from '../../config/environments';
import { sleep, startStack, withPatientRateLimits, type Stack } from './stack';
import { parsePrometheusText } from '../support/prometheus-text';

let stack: Stack;
const admin = () => bearer(stack.adminToken);
const read = (path: string, headers: Record<string, string> = {}, ip?: string) => send(`${stack.url}${path}`, { headers, ip });
const post = (path: string, body: unknown, headers: Record<string, string> = admin()) =>
  send(`${stack.url}${path}`, { method: 'POST', body, headers });

beforeAll(async () => {
  // The rate-limit test counts decisions exactly (see withPatientRateLimits).
  stack = await startStack({ config: withPatientRateLimits(environment('dev')) });
});
afterAll(async () => {
  await stack?.close();
});

describe('read-through caching', () => {
  it('answers MISS from the origin, then HIT from Redis without calling the origin again', async () => {
    const first = await read('/c/marketing/blog/first-post');
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.json()).toMatchObject({ path: '/marketing/blog/first-post' });
    const second = await read('/c/marketing/blog/first-post');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.text).toBe(first.text);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['cache-control']).toMatch(/^public, max-age=\d+, stale-while-revalidate=300$/);
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(stack.origin.requestsFor('/marketing/blog/first-post')).toBe(1);
    expect(await stack.cacheDb.exists(stack.target('marketing', 'blog/first-post').key)).toBe(1);
  });

  it('keys variants only by the configured vary inputs', async () => {
    await read('/c/api/articles?page=1&utm_source=a');
    const other = await read('/c/api/articles?page=1&utm_source=b');
    expect(other.headers['x-cache']).toBe('HIT');
    const page2 = await read('/c/api/articles?page=2');
    expect(page2.headers['x-cache']).toBe('MISS');
    expect(stack.origin.requestsFor('/api/articles')).toBe(2);
    // Ignored parameters never reach the origin.
    expect(stack.origin.log().filter((r) => r.path === '/api/articles').map((r) => r.url)).toEqual(['/api/articles?page=1', '/api/articles?page=2']);
  });

  it('answers HEAD without a body and 404 JSON for an unknown surface', async () => {
    const head = await send(`${stack.url}/c/marketing/blog/first-post`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.body.byteLength).toBe(0);
    const unknown = await read('/c/nowhere/page');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'unknown_surface' });
  });
});

describe('revalidation', () => {
  it('answers 304 without a body to a matching If-None-Match, 200 to a stale one', async () => {
    const { headers } = await read('/c/marketing/about');
    const notModified = await read('/c/marketing/about', { 'if-none-match': headers.etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body.byteLength).toBe(0);
    expect(notModified.headers.etag).toBe(headers.etag);
    const changed = await read('/c/marketing/about', { 'if-none-match': '"something-else"' });
    expect(changed.status).toBe(200);
    expect(changed.body.byteLength).toBeGreaterThan(0);
  });

  it('serves a stale entry at once while another instance holds the refresh lock (stale-while-revalidate)', async () => {
    const path = 'blog/swr';
    const t = stack.target('marketing', path);
    const fresh = await read(`/c/marketing/${path}`);
    await stack.age(t.key, 30 * 60 + 10); // past the 30 min TTL, inside the 5 min stale window
    await stack.cacheDb.set(t.lockKey, 'another-instance', 'PX', 5000);
    const stale = await read(`/c/marketing/${path}`);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.text).toBe(fresh.text);
    expect(stale.headers['cache-control']).toMatch(/max-age=0, stale-while-revalidate=\d+/);
    expect(Number(stale.headers.age)).toBeGreaterThanOrEqual(30 * 60);
    expect(stack.origin.requestsFor(`/marketing/${path}`)).toBe(1);

    // With the lock free, the next reader refreshes from the origin and stores the new answer.
    await stack.cacheDb.del(t.lockKey);
    const refreshed = await read(`/c/marketing/${path}`);
    expect(refreshed.headers['x-cache']).toBe('MISS');
    expect(refreshed.text).not.toBe(fresh.text);
    expect((await read(`/c/marketing/${path}`)).headers['x-cache']).toBe('HIT');
    expect(stack.origin.requestsFor(`/marketing/${path}`)).toBe(2);
  });
});

describe('invalidation', () => {
  it('a domain event invalidates exactly the pages its table names', async () => {
    const named = ['/c/marketing/blog/launch', '/c/api/articles/launch', '/c/marketing/feed.xml'];
    const unrelated = '/c/marketing/blog/other';
    for (const p of [...named, unrelated]) await read(p);
    for (const p of [...named, unrelated]) expect((await read(p)).headers['x-cache']).toBe('HIT');

    const res = await post('/admin/invalidate', { event: 'article.published', data: { slug: 'launch' } });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, kind: 'event' });
    for (const p of named) expect((await read(p)).headers['x-cache']).toBe('MISS');
    expect((await read(unrelated)).headers['x-cache']).toBe('HIT');
  });

  it('deletes exact keys and purges a prefix', async () => {
    await read('/c/marketing/docs/a');
    await read('/c/marketing/docs/b');
    const keyA = stack.target('marketing', 'docs/a').key;
    const res = await post('/admin/invalidate', { keys: [keyA] });
    expect(res.status).toBe(200);
    expect(await stack.cacheDb.exists(keyA)).toBe(0);
    expect((await read('/c/marketing/docs/a')).headers['x-cache']).toBe('MISS');
    expect((await read('/c/marketing/docs/b')).headers['x-cache']).toBe('HIT');

    const purge = await post('/admin/invalidate', { prefix: 'dev:marketing:docs' });
    expect(purge.status).toBe(200);
    expect(await stack.cacheDb.exists(keyA, stack.target('marketing', 'docs/b').key)).toBe(0);
  });

  it('a surface bump turns every entry of that surface into a miss and leaves other surfaces alone', async () => {
    await read('/c/marketing/pricing');
    await read('/c/api/plans');
    const keysBefore = await stack.cacheDb.dbsize();
    const res = await post('/admin/invalidate', { surface: 'marketing', bump: true });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, kind: 'surface' });
    // O(1): a generation moved, no entry was touched.
    expect(await stack.cacheDb.dbsize()).toBeLessThanOrEqual(keysBefore + 1);
    expect((await read('/c/marketing/pricing')).headers['x-cache']).toBe('MISS');
    expect((await read('/c/marketing/blog/first-post')).headers['x-cache']).toBe('MISS');
    expect((await read('/c/api/plans')).headers['x-cache']).toBe('HIT');
  });
});

describe('idempotent admin requests', () => {
  it('replays the first answer to a repeated Idempotency-Key, invalidates once, and lists it in /admin/status', async () => {
    // The surface generation's authoritative copy, in the guardrails database.
    const genKey = authoritativeKey(stack.target('api', 'plans').surfaceGenKey);
    const before = await stack.guardrailsDb.get(genKey);
    const headers = { ...admin(), 'idempotency-key': 'e2e-bump-api-0001' };
    const first = await post('/admin/invalidate', { surface: 'api', bump: true }, headers);
    expect(first.status).toBe(200);
    const bumped = await stack.guardrailsDb.get(genKey);
    expect(bumped).not.toBe(before);
    const again = await post('/admin/invalidate', { surface: 'api', bump: true }, headers);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await stack.guardrailsDb.get(genKey)).toBe(bumped);

    const status = (await send(`${stack.url}/admin/status`, { headers: admin() })).json<{ recentInvalidations: Record<string, unknown>[] }>();
    const logged = status.recentInvalidations.filter((e) => e.idempotencyKey === 'e2e-bump-api-0001');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ kind: 'surface', result: 'ok' });
  });
});

describe('emergency bypass', () => {
  it('sends every read of the surface to the origin until switched off', async () => {
    await read('/c/api/bypassed');
    const on = await post('/admin/bypass', { surface: 'api', enabled: true, ttlSeconds: 120 });
    expect(on.status).toBe(200);
    expect(on.json()).toMatchObject({ ok: true, surface: 'api', enabled: true });
    const before = stack.origin.requestsFor('/api/bypassed');
    for (let i = 0; i < 3; i++) {
      const r = await read('/c/api/bypassed');
      expect(r.status).toBe(200);
      expect(r.headers['x-cache']).toBe('BYPASS');
    }
    expect(stack.origin.requestsFor('/api/bypassed')).toBe(before + 3);
    const status = (await send(`${stack.url}/admin/status`, { headers: admin() })).json<{ surfaces: { name: string; bypass: { enabled: boolean; ttlSeconds: number } }[] }>();
    const api = status.surfaces.find((s) => s.name === 'api');
    expect(api?.bypass.enabled).toBe(true);
    expect(api?.bypass.ttlSeconds).toBeGreaterThan(100);

    expect((await post('/admin/bypass', { surface: 'api', enabled: false })).status).toBe(200);
    expect((await read('/c/api/bypassed')).headers['x-cache']).toBe('HIT');
  });
});

describe('rate limiting', () => {
  it('counts down RateLimit-* headers, answers 429 with Retry-After at the limit, per client IP; the allowlist lets a client back in', async () => {
    const ip = '127.0.0.42';
    const limit = 300; // the api surface's policy (config/surfaces.ts)
    const first = await read('/c/api/limited', {}, ip);
    expect(first.headers['ratelimit-limit']).toBe(String(limit));
    expect(first.headers['ratelimit-remaining']).toBe(String(limit - 1));
    let allowed = 1;
    for (let batch = 0; batch < 16; batch++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => read('/c/api/limited', {}, ip)));
      allowed += replies.filter((r) => r.status === 200).length;
    }
    expect(allowed).toBe(limit);
    const limited = await read('/c/api/limited', {}, ip);
    expect(limited.status).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'rate_limited' });
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another client is unaffected.
    expect((await read('/c/api/limited', {}, '127.0.0.43')).status).toBe(200);

    const grant = await post('/admin/allowlist', { ip, ttlSeconds: 60 });
    expect(grant.status).toBe(200);
    // Each instance remembers "not allowlisted" for up to 1 s (allowlistCacheMs), so the grant shows within that.
    const deadline = Date.now() + 1_500;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      status = (await read('/c/api/limited', {}, ip)).status;
      if (status === 429) await sleep(100);
    }
    expect(status).toBe(200);
  });
});

describe('admin authentication', () => {
  const cases: [string, Record<string, string>][] = [
    ['no token', {}],
    ['a wrong bearer token', { authorization: 'Bearer not-the-token' }],
    ['a wrong X-API-Token', { 'x-api-token': 'not-the-token' }],
    ['a malformed Authorization header', { authorization: 'Basic abc' }],
  ];
  it.each(cases)('answers 401 JSON to %s on every protected route', async (_name, headers) => {
    const routes: [string, string][] = [['POST', '/admin/invalidate'], ['POST', '/admin/bypass'], ['GET', '/admin/status'],
      ['GET', '/metrics'], ['GET', '/debug/cache?key=dev:marketing:about:default']];
    for (const [method, route] of routes) {
      const res = await send(`${stack.url}${route}`, { method, headers, ...(method === 'POST' ? { body: { surface: 'api', bump: true } } : {}) });
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
      expect(res.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
    }
  });

  it('accepts the token as X-API-Token too, and /debug/cache shows entry metadata (metrics token)', async () => {
    const key = stack.target('marketing', 'about').key;
    await read('/c/marketing/about'); // an earlier test bumped the surface: make the entry current
    const res = await send(`${stack.url}/debug/cache?key=${key}`, { headers: { 'x-api-token': stack.metricsToken } });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ key, corrupt: false, valid: true, state: 'fresh', checksum: expect.stringMatching(/^sha256-/) });
  });
});

describe('health and metrics', () => {
  it('/healthz and /readyz answer 200 while Redis answers', async () => {
    expect((await read('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await read('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready' });
  });

  it('/metrics parses as Prometheus text and its counters move with traffic', async () => {
    const counter = async (name: string, labels: Record<string, string>): Promise<number> => {
      const res = await send(`${stack.url}/metrics`, { headers: bearer(stack.metricsToken) });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const sample = parsePrometheusText(res.text).flatMap((f) => f.samples)
        .find((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v));
      return sample?.value ?? 0;
    };
    const hitsBefore = await counter('cache_hits_total', { namespace: 'marketing' });
    const authBefore = await counter('cache_auth_failures_total', { reason: 'invalid' });
    await read('/c/marketing/about'); // an earlier test bumped the surface: refill first
    for (let i = 0; i < 5; i++) expect((await read('/c/marketing/about')).headers['x-cache']).toBe('HIT');
    await send(`${stack.url}/admin/status`, { headers: bearer('wrong') });
    // Metrics are flushed at most every 5 s, piggybacked on a request; wait out one interval.
    await sleep(5_100);
    await read('/healthz');
    await send(`${stack.url}/admin/status`, { headers: admin() }); // flushes the admin function's counters
    const hitsAfter = await counter('cache_hits_total', { namespace: 'marketing' });
    expect(hitsAfter).toBeGreaterThanOrEqual(hitsBefore + 5);
    expect(await counter('cache_auth_failures_total', { reason: 'invalid' })).toBeGreaterThan(authBefore);
  }, 30_000);
});

describe('npm run dev', () => {
  it('starts from the command line, serves MISS then HIT, and stops on SIGTERM', async () => {
    const root = resolve(__dirname, '..', '..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/dev-server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', ADMIN_TOKEN: 'cli-token-0123456789abcdef0123456789', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`dev server printed no URL: ${out}`)), 30_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /dev server: (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolveUrl(m[1] as string);
          }
        });
        child.once('exit', (code) => reject(new Error(`dev server exited with ${code}: ${out}`)));
      });
      expect((await send(`${url}/c/marketing/blog/hello-world`)).headers['x-cache']).toBe('MISS');
      const hit = await send(`${url}/c/marketing/blog/hello-world`);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.text).toContain('<h1>blog/hello-world</h1>');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 40_000);
});
