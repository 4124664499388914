import { Redis } from '@upstash/redis';
import { environment, type EnvironmentConfig } from '../../config';
import { assembleAdminApi } from '../../lambdas/admin/assemble';
import { CacheRouter } from '../../lambdas/cache/cache-router';
import { CacheEngine } from '../../lambdas/engine/cache-engine';
import { startOrigin, type Origin } from '../support/origin';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { ADMIN_TOKEN, httpEvent, parseBody } from './helpers';

const INSTANCES = 4;

function withOrigin(origin: string): EnvironmentConfig {
  const base = environment('dev');
  return {
    ...base,
    surfaces: base.surfaces.map((s) => ({ ...s, originUrl: `${origin}/${s.name}`, rateLimit: { ...s.rateLimit, limit: 100_000 } })),
  };
}

describe('an invalidation reaches every engine instance', () => {
  let cache: TestUpstash;
  let guardrails: TestUpstash;
  let origin: Origin;
  let env: EnvironmentConfig;
  let engines: CacheRouter[];
  let version = 1;

  beforeAll(async () => {
    [cache, guardrails, origin] = await Promise.all([
      startTestUpstash(),
      startTestUpstash(),
      startOrigin((req) => ({ headers: { 'content-type': 'text/plain' }, body: `${req.path} v${version}` })),
    ]);
    env = withOrigin(origin.url);
    // Each instance has its own client, as separate Lambda instances would.
    engines = Array.from(
      { length: INSTANCES },
      () => {
        const redis = new Redis({ url: cache.url, token: cache.token, automaticDeserialization: false, enableTelemetry: false });
        const guardrailsRedis = new Redis({ url: guardrails.url, token: guardrails.token, automaticDeserialization: false, enableTelemetry: false });
        return new CacheRouter({ engine: new CacheEngine({ env, redis, guardrails: guardrailsRedis }), cacheRedis: redis, redisTimeoutMs: 500 });
      },
    );
  });

  afterAll(async () => {
    await Promise.all([cache?.stop(), guardrails?.stop(), origin?.close()]);
  });

  async function get(engine: CacheRouter, path: string): Promise<{ xcache: string; body: string }> {
    const res = await engine.handle({ method: 'GET', path, clientIp: '127.0.0.1' });
    return { xcache: String(res.headers['x-cache'] ?? res.headers['X-Cache']), body: String(res.body) };
  }

  // No instance keeps a copy of its own, so the bound is stronger than the design's 1 s: the first
  // read any instance makes after the answer already sees the change. How long that takes on the
  // wire is a benchmark figure (bench/invalidation.bench.ts), not a timed test.
  it('article.updated: the first read of every instance after the answer serves the new article', async () => {
    const paths = ['/c/marketing/blog/launch-notes', '/c/api/articles/launch-notes'];
    for (const path of paths) {
      expect((await get(engines[0], path)).xcache).toBe('MISS');
      for (const engine of engines) expect(await get(engine, path)).toEqual({ xcache: 'HIT', body: expect.stringMatching(/v1$/) });
    }

    version = 2;
    const api = assembleAdminApi({ env, cacheRedis: cache.redis, guardrailsRedis: guardrails.redis, adminTokens: async () => [ADMIN_TOKEN] });
    const result = await api(httpEvent({ path: '/admin/invalidate', body: { event: 'article.updated', data: { slug: 'launch-notes' } } }));
    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toMatchObject({ ok: true, kind: 'event', event: 'article.updated' });

    const firstReads = await Promise.all(engines.flatMap((engine) => paths.map(async (path) => [path, (await get(engine, path)).body])));
    for (const [path, body] of firstReads) expect([path, body]).toEqual([path, expect.stringMatching(/v2$/)]);
    // Once fresh, the new content is cached again for everyone.
    for (const engine of engines) expect(await get(engine, paths[0])).toEqual({ xcache: 'HIT', body: expect.stringMatching(/v2$/) });
  });
});
