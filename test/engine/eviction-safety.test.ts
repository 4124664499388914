/**
 * The invariant of docs/invariants.md, against real redis-server: no acknowledged invalidation and
 * no acknowledged bypass can be undone by the eviction or loss of any subset of keys in the cache
 * database. Generations and flags are authoritative in the guardrails database (its own database
 * here); the cache database holds mirrors whose absence never matches.
 */
import type { Redis } from '@upstash/redis';
import { GENERATION_ABSENT, parseSurfaceState, surfaceStateValue } from '../../lambdas/engine/cache-state';
import { bumpResourceGeneration, bumpSurfaceGeneration, setBypass } from '../../lambdas/engine/invalidation';
import { startOrigin, type Origin } from '../support/origin';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { clientFor, engineFor, get, type TestCache } from './engine-support';

let cache: TestUpstash;
let guardrails: TestUpstash;
let origin: Origin;
let version = 1;

beforeAll(async () => {
  [cache, guardrails, origin] = await Promise.all([
    startTestUpstash(), startTestUpstash(),
    startOrigin((req) => ({ headers: { 'content-type': 'text/plain' }, body: `${req.path} v${version}` })),
  ]);
});
afterAll(async () => {
  await Promise.all([cache?.stop(), guardrails?.stop(), origin?.close()]);
});
beforeEach(async () => {
  await Promise.all([cache.flush(), guardrails.flush()]);
  version = 1;
});

async function engine(guardrailsClient?: Redis): Promise<TestCache> {
  return engineFor(cache, origin.url, { guardrails: guardrailsClient ?? await clientFor(guardrails) });
}

async function dbs(): Promise<{ cache: Redis; guardrails: Redis }> {
  return { cache: await clientFor(cache), guardrails: await clientFor(guardrails) };
}

async function cacheKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await cache.redis.scan(cursor, { count: 1000 });
    cursor = String(next);
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing subset can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('an acknowledged invalidation survives the loss of cache keys', () => {
  // The repro deleted `dev:gen:marketing`; the surface generation's mirror is now `dev:state:marketing`.
  it('repro: GET (MISS), bump, DEL dev:state:marketing (the surface generation mirror), GET is not the old body', async () => {
    const reader = await engine();
    expect((await reader.handle(get('/c/marketing/home'))).body).toBe('/marketing/home v1');
    version = 2;
    await bumpSurfaceGeneration(await dbs(), 'dev', 'marketing');
    await cache.redis.del('dev:state:marketing');
    const after = await reader.handle(get('/c/marketing/home'));
    expect([after.headers['x-cache'], after.body]).toEqual(['MISS', '/marketing/home v2']);
  });

  it('a resource bump survives the deletion of its generation mirror too', async () => {
    const reader = await engine();
    await reader.handle(get('/c/marketing/blog/post'));
    version = 2;
    await bumpResourceGeneration(await dbs(), 'dev', 'marketing', 'blog.post');
    await cache.redis.del('dev:gen:marketing:blog.post');
    expect((await reader.handle(get('/c/marketing/blog/post'))).body).toBe('/marketing/blog/post v2');
  });

  it('holds after deleting any subset of the cache database, bump after bump', async () => {
    const next = random(13);
    const readers = await Promise.all([engine(), engine()]);
    const paths = ['/c/marketing/a', '/c/marketing/b', '/c/api/c'];
    for (let round = 0; round < 25; round++) {
      for (const r of readers) for (const p of paths) await r.handle(get(p));
      version += 1;
      const d = await dbs();
      if (next() < 0.5) {
        await bumpSurfaceGeneration(d, 'dev', 'marketing');
        await bumpSurfaceGeneration(d, 'dev', 'api');
      } else {
        await Promise.all([
          bumpResourceGeneration(d, 'dev', 'marketing', 'a'), bumpResourceGeneration(d, 'dev', 'marketing', 'b'),
          bumpResourceGeneration(d, 'dev', 'api', 'c'),
        ]);
      }
      // Reads in between repopulate mirrors, so later deletions hit mirrors of the new generation too.
      if (next() < 0.5) await readers[0]?.handle(get(paths[round % paths.length] as string));
      const lost = (await cacheKeys()).filter(() => next() < 0.5);
      if (lost.length > 0) await cache.redis.del(...lost);
      for (const r of readers) {
        for (const p of paths) {
          const res = await r.handle(get(p));
          expect([round, p, res.body]).toEqual([round, p, `${p.slice('/c'.length)} v${version}`]);
        }
      }
    }
  });

  it('a reader whose authoritative read predates a bump cannot reinstall the old generation', async () => {
    const warm = await engine();
    await warm.handle(get('/c/marketing/race'));
    await cache.redis.del('dev:state:marketing'); // evicted
    // The slow reader's guardrails read runs now, but its answer arrives only after the bump.
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const real = await clientFor(guardrails);
    const slowGuardrails = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'pipeline') return Reflect.get(target, prop, receiver);
        return () => {
          const p = target.pipeline();
          const exec = p.exec.bind(p);
          return Object.assign(p, { exec: async () => { const r = await exec(); await gate; return r; } });
        };
      },
    });
    const slow = await engine(slowGuardrails);
    const before = slow.handle(get('/c/marketing/race'));
    await new Promise((r) => setTimeout(r, 200));
    version = 2;
    await bumpSurfaceGeneration(await dbs(), 'dev', 'marketing'); // acknowledged here
    release();
    await before; // started before the acknowledgement: may be old
    expect(await cache.redis.get('dev:state:marketing')).toBeNull();
    const after = await warm.handle(get('/c/marketing/race'));
    expect(after.body).toBe('/marketing/race v2');
  });
});

describe('an acknowledged bypass survives the loss of cache keys', () => {
  it('repro: the bypass flag mirror (the surface state) deleted (or the whole database flushed), reads still bypass', async () => {
    const reader = await engine();
    await reader.handle(get('/c/marketing/home'));
    await setBypass(await dbs(), 'dev', 'marketing', true, 60);
    expect((await reader.handle(get('/c/marketing/home'))).headers['x-cache']).toBe('BYPASS');
    await cache.redis.del('dev:state:marketing');
    expect((await reader.handle(get('/c/marketing/home'))).headers['x-cache']).toBe('BYPASS');
    await cache.flush();
    expect((await reader.handle(get('/c/marketing/home'))).headers['x-cache']).toBe('BYPASS');
    await setBypass(await dbs(), 'dev', 'marketing', false, 0);
    await reader.handle(get('/c/marketing/home'));
    expect((await reader.handle(get('/c/marketing/home'))).headers['x-cache']).toBe('HIT');
  });

  it('a lost mirror of an expired bypass reads as off', async () => {
    const reader = await engine();
    await setBypass(await dbs(), 'dev', 'api', true, 1);
    expect((await reader.handle(get('/c/api/x'))).headers['x-cache']).toBe('BYPASS');
    await new Promise((r) => setTimeout(r, 1100));
    await cache.redis.del('dev:state:api');
    expect((await reader.handle(get('/c/api/x'))).headers['x-cache']).toBe('MISS');
  });
});

describe('mirrors cost nothing on a hit', () => {
  it('a hit with its mirrors present is one request to the cache database and none to the guardrails one', async () => {
    const reader = await engine();
    await reader.handle(get('/c/api/hot'));
    await reader.handle(get('/c/api/hot'));
    cache.resetRequestCount();
    guardrails.resetRequestCount();
    expect((await reader.handle(get('/c/api/hot'))).headers['x-cache']).toBe('HIT');
    expect([cache.requestCount(), guardrails.requestCount()]).toEqual([1, 0]);
  });
});

describe('the surface state mirror', () => {
  it('round-trips generation and flag, and reads anything else as absent', () => {
    expect(parseSurfaceState(surfaceStateValue('lq3-0a1b2c', true))).toEqual({ generation: 'lq3-0a1b2c', bypass: true });
    expect(parseSurfaceState(surfaceStateValue(GENERATION_ABSENT, false))).toEqual({ generation: '0', bypass: false });
    expect(parseSurfaceState('a|b|0')).toEqual({ generation: 'a|b', bypass: false });
    for (const v of [null, undefined, '', '|1', 'lq3-0a1b2c', 'lq3|2', 'lq3|', '0|10']) expect(parseSurfaceState(v)).toBeUndefined();
  });

  it('a mirror an earlier release wrote (the bare generation) is repaired from the authoritative copies, never trusted', async () => {
    const reader = await engine();
    await reader.handle(get('/c/marketing/legacy'));
    version = 2;
    await bumpSurfaceGeneration(await dbs(), 'dev', 'marketing');
    // What a release before the surface state mirror could leave behind: the old generation, bare.
    await cache.redis.set('dev:state:marketing', '0');
    expect((await reader.handle(get('/c/marketing/legacy'))).body).toBe('/marketing/legacy v2');
    expect(parseSurfaceState(await cache.redis.get('dev:state:marketing'))?.bypass).toBe(false);
  });
});
