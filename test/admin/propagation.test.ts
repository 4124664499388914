import { Redis } from '@upstash/redis';
import { environment, type EnvironmentConfig } from '../../config';
import { assembleAdminApi } from '../../lambdas/admin/assemble';
import { CacheRouter } from '../../lambdas/cache/cache-router';
import { CacheEngine } from '../../lambdas/engine/cache-engine';
import { startOrigin, type Origin } from '../support/origin';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { ADMIN_TOKEN, httpEvent, parseBody } from './helpers';

const INSTANCES = 4;
const PROPAGATION_LIMIT_MS = 1000;

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

  /** Polls until the instance stops serving the old body; answers the time it took. */
  async function timeUntilFresh(engine: CacheRouter, path: string, since: number): Promise<number> {
    for (;;) {
      const { body } = await get(engine, path);
      if (body.endsWith('v2')) return performance.now() - since;
      if (performance.now() - since > 5 * PROPAGATION_LIMIT_MS) throw new Error(`${path} still served stale content after 5 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('article.updated: every instance serves the new article within 1 s', async () => {
    const paths = ['/c/marketing/blog/launch-notes', '/c/api/articles/launch-notes'];
    for (const path of paths) {
      expect((await get(engines[0], path)).xcache).toBe('MISS');
      for (const engine of engines) expect(await get(engine, path)).toEqual({ xcache: 'HIT', body: expect.stringMatching(/v1$/) });
    }

    version = 2;
    const api = assembleAdminApi({ env, cacheRedis: cache.redis, guardrailsRedis: guardrails.redis, adminTokens: async () => [ADMIN_TOKEN] });
    const result = await api(httpEvent({ path: '/admin/invalidate', body: { event: 'article.updated', data: { slug: 'launch-notes' } } }));
    const answeredAt = performance.now();
    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toMatchObject({ ok: true, kind: 'event', event: 'article.updated' });

    const times = await Promise.all(engines.flatMap((engine) => paths.map((path) => timeUntilFresh(engine, path, answeredAt))));
    // Printed so a slow environment shows how close it came.
    console.log(`propagation to ${INSTANCES} instances x ${paths.length} paths: max ${Math.max(...times).toFixed(1)} ms`);
    for (const ms of times) expect(ms).toBeLessThanOrEqual(PROPAGATION_LIMIT_MS);
    // Once fresh, the new content is cached again for everyone.
    for (const engine of engines) expect(await get(engine, paths[0])).toEqual({ xcache: 'HIT', body: expect.stringMatching(/v2$/) });
  });
});
