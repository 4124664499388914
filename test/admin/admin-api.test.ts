import { environment } from '../../config';
import { assembleAdminApi } from '../../lambdas/admin/assemble';
import { invalidationLogKey } from '../../lambdas/admin/invalidation-log';
import { purgePrefix } from '../../lambdas/admin/prefix-purge';
import { authoritativeKey, bypassFlagKey, resourceGenerationKey, surfaceGenerationKey } from '../../lambdas/engine/keys';
import { encodeField, metricKey } from '../../lambdas/shared/metrics/series-field';
import type { HttpEvent, HttpResult } from '../../lambdas/shared/http';
import { useLocalStack } from '../support/local-stack';
import { startTestUpstash } from '../support/upstash';
import { tokenFingerprint } from '../../lambdas/shared/api-tokens';
import { ADMIN_TOKEN, httpEvent, parseBody, RecordingMetrics } from './helpers';

const env = environment('dev');

describe('admin API against the local Upstash server', () => {
  const local = useLocalStack({ origin: false });
  let metrics: RecordingMetrics;
  let api: (event: HttpEvent) => Promise<HttpResult>;

  beforeEach(async () => {
    await Promise.all([local.cache.flush(), local.guardrails.flush()]);
    local.cache.server.setFault('none');
    metrics = new RecordingMetrics();
    api = assembleAdminApi({
      env,
      cacheRedis: local.cache.redis,
      guardrailsRedis: local.guardrails.redis,
      adminTokens: async () => [ADMIN_TOKEN],
      metrics,
      overrides: { prefixPurge: { maxKeysPerRequest: 3, scanCount: 2 } },
    });
  });

  describe('authentication', () => {
    it('answers 401 without a token and counts the reason', async () => {
      const result = await api(httpEvent({ path: '/admin/invalidate', body: { surface: 'marketing', bump: true }, token: null }));
      expect(result.statusCode).toBe(401);
      expect(parseBody(result)).toMatchObject({ error: 'unauthorized' });
      expect(metrics.counter('cache_auth_failures_total', { reason: 'missing' })).toBe(1);
      expect(await local.guardrails.redis.exists(authoritativeKey(surfaceGenerationKey('dev', 'marketing')))).toBe(0);
    });

    it('answers 401 with a wrong token', async () => {
      const result = await api(httpEvent({ path: '/admin/status', token: 'not-the-token' }));
      expect(result.statusCode).toBe(401);
      expect(metrics.counter('cache_auth_failures_total', { reason: 'invalid' })).toBe(1);
    });

    it('accepts X-API-Token too', async () => {
      const result = await api(httpEvent({ path: '/admin/status', token: null, headers: { 'x-api-token': ADMIN_TOKEN } }));
      expect(result.statusCode).toBe(200);
    });
  });

  describe('bad input', () => {
    it.each([
      ['malformed JSON', '{"keys": [', 400, 'malformed_json'],
      ['an empty body', '', 400, 'malformed_json'],
      ['a JSON array', '["dev:marketing:a:default"]', 400, 'malformed_json'],
      ['no mode', '{}', 400, 'invalid_request'],
      ['two modes', '{"keys":["dev:marketing:a:default"],"surface":"marketing","bump":true}', 400, 'invalid_request'],
      ['an unknown field', '{"surface":"marketing","bump":true,"force":1}', 400, 'invalid_request'],
      ['bump not true', '{"surface":"marketing","bump":false}', 400, 'invalid_request'],
      ['a malformed key', '{"keys":["dev:Marketing:a"]}', 400, 'bad_key'],
      ['a key of another environment', '{"keys":["prod:marketing:a:default"]}', 400, 'wrong_environment'],
      ['a prefix without a surface', '{"prefix":"dev:"}', 400, 'bad_prefix'],
      ['an unknown surface', '{"surface":"shop","bump":true}', 422, 'unknown_surface'],
      ['a key on an unknown surface', '{"keys":["dev:shop:a:default"]}', 422, 'unknown_surface'],
      ['a prefix on an unknown surface', '{"prefix":"dev:shop:"}', 422, 'unknown_surface'],
      ['an unknown event', '{"event":"article.archived","data":{"slug":"a"}}', 422, 'unknown_event'],
      ['an event without its required field', '{"event":"article.published","data":{}}', 400, 'invalid_event_data'],
      ['an event with a malformed slug', '{"event":"article.updated","data":{"slug":"Hello World"}}', 400, 'invalid_event_data'],
      ['an event with an unknown field', '{"event":"article.updated","data":{"slug":"a","author":"x"}}', 400, 'invalid_event_data'],
    ])('rejects %s', async (_what, rawBody, status, code) => {
      const result = await api(httpEvent({ path: '/admin/invalidate', rawBody }));
      expect(result.statusCode).toBe(status);
      expect(parseBody(result)).toEqual({ error: code, message: expect.any(String) });
      expect(await local.cache.redis.dbsize()).toBe(0);
    });

    it('answers 413 for a body over the limit', async () => {
      const keys = Array.from({ length: 900 }, (_, i) => `dev:marketing:${'r'.repeat(60)}${i}:default`);
      const result = await api(httpEvent({ path: '/admin/invalidate', body: { keys } }));
      expect(result.statusCode).toBe(413);
      expect(parseBody(result).error).toBe('payload_too_large');
    });

    it('answers 404 for an unknown route and 405 for a wrong method', async () => {
      expect((await api(httpEvent({ path: '/admin/nothing' }))).statusCode).toBe(404);
      const wrong = await api(httpEvent({ method: 'GET', path: '/admin/invalidate' }));
      expect(wrong.statusCode).toBe(405);
      expect(wrong.headers.allow).toBe('POST');
    });
  });

  describe('invalidation', () => {
    it('deletes exact keys and nothing else, and logs who did it by fingerprint', async () => {
      await local.cache.redis.mset({ 'dev:marketing:a:default': '1', 'dev:marketing:b:default': '2', 'dev:marketing:c:default': '3' });
      const result = await api(httpEvent({ path: '/admin/invalidate', body: { keys: ['dev:marketing:a:default', 'dev:marketing:b:default', 'dev:marketing:z:default'] } }));
      expect(result.statusCode).toBe(200);
      const body = parseBody(result);
      expect(body).toMatchObject({ ok: true, kind: 'keys', deleted: 2, logged: true });
      expect(typeof body.durationMs).toBe('number');
      expect(await local.cache.redis.exists('dev:marketing:a:default', 'dev:marketing:b:default', 'dev:marketing:c:default')).toBe(1);
      expect(metrics.counter('cache_invalidations_total', { kind: 'key' })).toBe(1);

      const [entry] = (await local.guardrails.redis.lrange(invalidationLogKey('dev'), 0, 0)).map((e) => JSON.parse(e));
      expect(entry).toMatchObject({ kind: 'keys', result: 'ok', who: expect.stringMatching(/^tok_[0-9a-f]{12}$/) });
      expect(JSON.stringify(entry)).not.toContain(ADMIN_TOKEN);
    });

    it('logs the IAM principal API Gateway verified (staging and prod) before the token fingerprint', async () => {
      const event = httpEvent({ path: '/admin/invalidate', body: { keys: ['dev:marketing:iam:default'] } });
      const arn = 'arn:aws:sts::333333333333:assumed-role/cache-operators/alice';
      (event.requestContext as unknown as { authorizer: unknown }).authorizer = { iam: { userArn: arn } };
      expect((await api(event)).statusCode).toBe(200);
      const [entry] = (await local.guardrails.redis.lrange(invalidationLogKey('dev'), 0, 0)).map((e) => JSON.parse(e));
      expect(entry.who).toBe(`${arn} ${tokenFingerprint(ADMIN_TOKEN)}`);
    });

    it('bumps the surface generation in O(1) and reports it', async () => {
      const result = await api(httpEvent({ path: '/admin/invalidate', body: { surface: 'marketing', bump: true } }));
      expect(result.statusCode).toBe(200);
      const body = parseBody(result) as { bumped: { key: string; generation: string }[] };
      expect(body.bumped).toHaveLength(1);
      expect(body.bumped[0].key).toBe(surfaceGenerationKey('dev', 'marketing'));
      expect(await local.guardrails.redis.get(authoritativeKey(surfaceGenerationKey('dev', 'marketing')))).toBe(body.bumped[0].generation);
      expect(metrics.counter('cache_invalidations_total', { kind: 'surface' })).toBe(1);
    });

    it('applies an event from the table: feeds deleted, article and listings bumped', async () => {
      await local.cache.redis.mset({ 'dev:marketing:feed..xml:default': 'f', 'dev:marketing:sitemap..xml:default': 's', 'dev:marketing:blog.other:default': 'o' });
      const result = await api(httpEvent({ path: '/admin/invalidate', body: { event: 'article.published', data: { slug: 'launch-notes', category: 'news' } } }));
      expect(result.statusCode).toBe(200);
      const body = parseBody(result) as { deleted: number; bumped: { key: string; generation: string }[] };
      expect(body.deleted).toBe(2);
      const bumpedKeys = body.bumped.map((b) => b.key).sort();
      expect(bumpedKeys).toEqual(
        [
          resourceGenerationKey('dev', 'marketing', 'blog.launch-notes'),
          resourceGenerationKey('dev', 'api', 'articles.launch-notes'),
          resourceGenerationKey('dev', 'marketing', 'blog'),
          resourceGenerationKey('dev', 'api', 'articles'),
          resourceGenerationKey('dev', 'marketing', 'blog.category.news'),
        ].sort(),
      );
      for (const b of body.bumped) expect(await local.guardrails.redis.get(authoritativeKey(b.key))).toBe(b.generation);
      expect(await local.cache.redis.get('dev:marketing:blog.other:default')).toBe('o');
      expect(metrics.counter('cache_invalidations_total', { kind: 'event' })).toBe(1);
    });

    it('refuses a prefix with glob characters with 400 and deletes nothing', async () => {
      const keys = { 'dev:marketing:ab:default': 'keep', 'dev:marketing:a*b:default': 'junk key, still kept' };
      await local.cache.redis.mset(keys);
      for (const prefix of ['dev:marketing:*', 'dev:marketing:a*', 'dev:marketing:a?', 'dev:marketing:a[b', 'dev:marketing:a\\']) {
        const result = await api(httpEvent({ path: '/admin/invalidate', body: { prefix } }));
        expect(result.statusCode).toBe(400);
        expect(parseBody(result)).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/glob character/) });
      }
      expect((await local.cache.redis.keys('*')).sort()).toEqual(Object.keys(keys).sort());
    });

    it('matches a prefix literally below the API too: glob characters never reach SCAN MATCH unescaped', async () => {
      // Junk keys (outside the namespace format) may hold glob characters; purgePrefix, which the
      // API and operators share, must treat them as plain characters.
      const keys = {
        'dev:marketing:a*b:default': 'match',
        'dev:marketing:a*b.c:v1': 'match',
        'dev:marketing:axb:default': 'no: * would match x',
        'dev:marketing:a?b:default': 'no: ? is literal',
        'dev:marketing:a[b]:default': 'no',
        'dev:api:a*b:default': 'no: other surface',
      };
      await local.cache.redis.mset(keys);
      const bounds = { cursor: '0', limit: 1000, scanCount: 100, maxScans: 100, budgetMs: 5_000 };
      expect(await purgePrefix(local.cache.redis, { ...bounds, prefix: 'dev:marketing:a*b' })).toMatchObject({ deleted: 2, more: false, cursor: '0' });
      const left = (await local.cache.redis.keys('*')).sort();
      expect(left).toEqual(['dev:api:a*b:default', 'dev:marketing:a?b:default', 'dev:marketing:a[b]:default', 'dev:marketing:axb:default']);

      for (const [prefix, gone] of [
        ['dev:marketing:a?', 'dev:marketing:a?b:default'],
        ['dev:marketing:a[b', 'dev:marketing:a[b]:default'],
        ['dev:marketing:a\\', 'dev:marketing:a\\b:default'],
      ] as const) {
        await local.cache.redis.set('dev:marketing:a\\b:default', 'backslash');
        await local.cache.redis.mset({ 'dev:marketing:aab:default': 'no: ? or [ would match a' });
        expect(await purgePrefix(local.cache.redis, { ...bounds, prefix })).toMatchObject({ deleted: 1, more: false });
        expect(await local.cache.redis.exists(gone)).toBe(0);
        expect(await local.cache.redis.exists('dev:marketing:aab:default')).toBe(1);
      }
    });

    it('caps a prefix purge per request and resumes from the cursor until done', async () => {
      const matching = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`dev:marketing:old.p${i}:default`, 'x']));
      await local.cache.redis.mset({ ...matching, 'dev:marketing:new.p1:default': 'keep' });
      let cursor = '0';
      let deleted = 0;
      let requests = 0;
      do {
        const result = await api(httpEvent({ path: '/admin/invalidate', body: { prefix: 'dev:marketing:old.', cursor } }));
        const body = parseBody(result) as { deleted: number; more: boolean; cursor: string };
        deleted += body.deleted;
        cursor = body.cursor;
        requests += 1;
        if (body.more) expect(cursor).not.toBe('0');
        else break;
      } while (requests < 50);
      expect(requests).toBeGreaterThan(1);
      expect(deleted).toBe(10);
      expect(await local.cache.redis.keys('*')).toEqual(['dev:marketing:new.p1:default']);
    });
  });

  describe('Redis unavailable', () => {
    it('answers 503, claims nothing, and logs the failure', async () => {
      await local.cache.redis.set('dev:marketing:a:default', '1');
      local.cache.server.setFault('http500');
      const result = await api(httpEvent({ path: '/admin/invalidate', body: { keys: ['dev:marketing:a:default'] } }));
      const bump = await api(httpEvent({ path: '/admin/invalidate', body: { event: 'campaign.launched', data: {} } }));
      local.cache.server.setFault('none');
      for (const r of [result, bump]) {
        expect(r.statusCode).toBe(503);
        const body = parseBody(r);
        expect(body).toEqual({ error: 'redis_unavailable', message: expect.stringMatching(/nothing is reported done/) });
      }
      expect(await local.cache.redis.get('dev:marketing:a:default')).toBe('1');
      expect(await local.cache.redis.exists(surfaceGenerationKey('dev', 'marketing'))).toBe(0);
      expect(metrics.counter('cache_invalidations_total', { kind: 'key' })).toBe(0);
      const log = (await local.guardrails.redis.lrange(invalidationLogKey('dev'), 0, -1)).map((e) => JSON.parse(e));
      expect(log.map((e) => e.result)).toEqual(['failed', 'failed']);
    });
  });

  describe('redis-server killed', () => {
    it('answers 503 for every admin write, then works again after a restart', async () => {
      const dedicated = await startTestUpstash({ dedicatedRedis: true });
      try {
        const killable = assembleAdminApi({ env, cacheRedis: dedicated.redis, guardrailsRedis: local.guardrails.redis, adminTokens: async () => [ADMIN_TOKEN] });
        await dedicated.redis.set('dev:api:a:default', '1');
        await dedicated.redisProcess?.kill();
        const answers = await Promise.all([
          killable(httpEvent({ path: '/admin/invalidate', body: { keys: ['dev:api:a:default'] } })),
          killable(httpEvent({ path: '/admin/invalidate', body: { prefix: 'dev:api:' } })),
          killable(httpEvent({ path: '/admin/invalidate', body: { surface: 'api', bump: true } })),
          killable(httpEvent({ path: '/admin/bypass', body: { surface: 'api', enabled: true } })),
        ]);
        for (const answer of answers) {
          expect(answer.statusCode).toBe(503);
          expect(parseBody(answer)).toEqual({ error: 'redis_unavailable', message: expect.any(String) });
        }
        await dedicated.redisProcess?.restart();
        // The REST server reconnects by itself; the first answers may still be 503 (never a false 200).
        let status = 0;
        const deadline = Date.now() + 5000;
        while (status !== 200 && Date.now() < deadline) {
          status = (await killable(httpEvent({ path: '/admin/invalidate', body: { surface: 'api', bump: true } }))).statusCode ?? 0;
          expect([200, 503]).toContain(status);
          if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(status).toBe(200);
        expect(await local.guardrails.redis.exists(authoritativeKey(surfaceGenerationKey('dev', 'api')))).toBe(1);
      } finally {
        await dedicated.stop();
      }
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer and does not act twice', async () => {
      const request = { path: '/admin/invalidate', body: { surface: 'api', bump: true }, headers: { 'idempotency-key': 'deploy-42' } };
      const first = await api(httpEvent(request));
      const generation = await local.guardrails.redis.get(authoritativeKey(surfaceGenerationKey('dev', 'api')));
      const second = await api(httpEvent(request));
      expect(first.statusCode).toBe(200);
      expect(second.statusCode).toBe(200);
      expect(second.headers['Idempotent-Replayed']).toBe('true');
      expect(second.body).toBe(first.body);
      expect(await local.guardrails.redis.get(authoritativeKey(surfaceGenerationKey('dev', 'api')))).toBe(generation);
      expect(metrics.counter('cache_invalidations_total', { kind: 'surface' })).toBe(1);

      const reused = await api(httpEvent({ ...request, body: { surface: 'marketing', bump: true } }));
      expect(reused.statusCode).toBe(422);
      expect(parseBody(reused).error).toBe('idempotency_key_reused');
    });

    it('does not keep a 503, so the retry after recovery acts', async () => {
      const request = { path: '/admin/invalidate', body: { surface: 'api', bump: true }, headers: { 'idempotency-key': 'retry-me' } };
      local.cache.server.setFault('http500');
      const failed = await api(httpEvent(request));
      local.cache.server.setFault('none');
      const retried = await api(httpEvent(request));
      expect(failed.statusCode).toBe(503);
      expect(retried.statusCode).toBe(200);
      expect(retried.headers['Idempotent-Replayed']).toBeUndefined();
      expect(await local.guardrails.redis.exists(authoritativeKey(surfaceGenerationKey('dev', 'api')))).toBe(1);
    });

    it('rejects a malformed key with 400', async () => {
      const result = await api(httpEvent({ path: '/admin/invalidate', body: { surface: 'api', bump: true }, headers: { 'idempotency-key': 'bad key' } }));
      expect(result.statusCode).toBe(400);
      expect(await local.guardrails.redis.exists(authoritativeKey(surfaceGenerationKey('dev', 'api')))).toBe(0);
    });
  });

  describe('bypass and allowlist', () => {
    it('sets an expiring bypass flag and clears it', async () => {
      const on = await api(httpEvent({ path: '/admin/bypass', body: { surface: 'marketing', enabled: true, ttlSeconds: 120 } }));
      expect(parseBody(on)).toMatchObject({ ok: true, surface: 'marketing', enabled: true, ttlSeconds: 120 });
      const ttl = await local.guardrails.redis.ttl(authoritativeKey(bypassFlagKey('dev', 'marketing')));
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
      const off = await api(httpEvent({ path: '/admin/bypass', body: { surface: 'marketing', enabled: false } }));
      expect(parseBody(off)).toMatchObject({ enabled: false });
      expect(await local.guardrails.redis.exists(authoritativeKey(bypassFlagKey('dev', 'marketing')))).toBe(0);
    });

    it('rejects an unknown surface (422) and a bad ttl (400)', async () => {
      expect((await api(httpEvent({ path: '/admin/bypass', body: { surface: 'shop', enabled: true } }))).statusCode).toBe(422);
      expect((await api(httpEvent({ path: '/admin/bypass', body: { surface: 'api', enabled: true, ttlSeconds: 0 } }))).statusCode).toBe(400);
      expect((await api(httpEvent({ path: '/admin/bypass', body: { surface: 'api', enabled: 'yes' } }))).statusCode).toBe(400);
    });

    it('allowlists an IP temporarily and rejects a non-IP', async () => {
      const ok = await api(httpEvent({ path: '/admin/allowlist', body: { ip: '8.8.4.4', ttlSeconds: 60 } }));
      expect(parseBody(ok)).toMatchObject({ ok: true, ip: '8.8.4.4', ttlSeconds: 60 });
      const allowKeys = await local.guardrails.redis.keys('dev:rl-allow:*');
      expect(allowKeys).toHaveLength(1);
      const bad = await api(httpEvent({ path: '/admin/allowlist', body: { ip: 'example.com' } }));
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('status', () => {
    it('shows hit rate from the recorded counters, bypass state and recent invalidations', async () => {
      await local.guardrails.redis.hset(metricKey('metrics', 'cache_hits_total'), { [encodeField('', { namespace: 'marketing' })]: '30', [encodeField('', { namespace: 'api' })]: '5' });
      await local.guardrails.redis.hset(metricKey('metrics', 'cache_misses_total'), { [encodeField('', { namespace: 'marketing' })]: '10', [encodeField('', { namespace: 'api' })]: '5' });
      await api(httpEvent({ path: '/admin/bypass', body: { surface: 'api', enabled: true, ttlSeconds: 60 } }));
      await api(httpEvent({ path: '/admin/invalidate', body: { surface: 'marketing', bump: true } }));

      const result = await api(httpEvent({ path: '/admin/status' }));
      expect(result.statusCode).toBe(200);
      const body = parseBody(result) as { namespaces: unknown; surfaces: unknown; recentInvalidations: unknown[] };
      expect(body).toMatchObject({ env: 'dev', hits: 35, misses: 15, hitRate: 0.7 });
      expect(body.namespaces).toEqual([
        { namespace: 'api', hits: 5, misses: 5, stale: 0 },
        { namespace: 'marketing', hits: 30, misses: 10, stale: 0 },
      ]);
      expect(body.surfaces).toEqual([
        { name: 'marketing', bypass: { enabled: false, ttlSeconds: 0 } },
        { name: 'api', bypass: { enabled: true, ttlSeconds: expect.any(Number) } },
      ]);
      expect(body.recentInvalidations[0]).toMatchObject({ kind: 'surface', target: { surface: 'marketing' }, result: 'ok' });
    });

    it('reports a window as the difference from an earlier snapshot', async () => {
      const field = encodeField('', { namespace: 'marketing' });
      await local.guardrails.redis.hset(metricKey('metrics', 'cache_hits_total'), { [field]: '100' });
      // An old snapshot, as an earlier status read would have left it.
      const at = Date.now() - 2 * 3600_000;
      await local.guardrails.redis.zadd('dev:admin:hit-snapshots', { score: at, member: JSON.stringify({ at, totals: { marketing: [60, 0, 0] } }) });
      await local.guardrails.redis.hset(metricKey('metrics', 'cache_misses_total'), { [field]: '10' });
      const result = await api(httpEvent({ path: '/admin/status', query: { window: '1h' } }));
      const body = parseBody(result) as { coveredSeconds: number };
      expect(body).toMatchObject({ hits: 40, misses: 10, windowSeconds: 3600 });
      expect(body.coveredSeconds).toBeGreaterThanOrEqual(7199);
      expect((await api(httpEvent({ path: '/admin/status', query: { window: 'yesterday' } }))).statusCode).toBe(400);
    });

    it('answers 503 when Redis cannot be read', async () => {
      // Status reads the guardrails database (bypass flags, hit statistics, invalidation log).
      local.guardrails.server.setFault('http500');
      const result = await api(httpEvent({ path: '/admin/status' }));
      local.guardrails.server.setFault('none');
      expect(result.statusCode).toBe(503);
      // The admin rate limit (fail-closed, same database) may refuse before the status read does.
      expect(['redis_unavailable', 'rate_limiter_unavailable']).toContain(parseBody(result).error);
    });
  });
});
