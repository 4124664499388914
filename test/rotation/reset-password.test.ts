/**
 * `reset-password` end to end: the local Developer API resets the local Upstash server's tokens, the
 * rotation function stores and promotes them, and a load of cache reads through `createUpstashClient`
 * + `SecretsManagerCredentialsSource` rides the window between reset and finishSecret with retries only.
 */
import type { Redis } from '@upstash/redis';
import type { UpstashSecretValue } from '../../lambdas/rotation/secret-value';
import { isRefused } from '../../lambdas/rotation/strategy';
import { UpstashRestRunner } from '../../lambdas/rotation/upstash-rest';
import { SecretsManagerCredentialsSource } from '../../lambdas/shared/secrets-manager-credentials';
import { CacheRouter } from '../../lambdas/cache/cache-router';
import { CacheEngine } from '../../lambdas/engine/cache-engine';
import { createUpstashClient } from '../../lambdas/shared/upstash';
import { startOrigin, type Origin } from '../support/origin';
import { DEV_API_KEY, enableAndSeed, labelCounts, startRotationHarness, type RotationHarness } from './harness';
import { engineEnvironment, startEngineLoad, startLoad } from './load';
import { RecordingMetrics } from '../support/recording-metrics';

const rest = new UpstashRestRunner({ retries: 0, timeoutMs: 2_000 });
const KEY = 'dev:api:catalog:v1';

let h: RotationHarness;
let origin: Origin;
const seen: UpstashSecretValue[] = [];

async function instance(metrics: RecordingMetrics): Promise<Redis> {
  const source = new SecretsManagerCredentialsSource({ secretId: h.secretId, client: h.client, maxAgeSeconds: 60, rotationWaitMs: 5_000, pollIntervalMs: 20 });
  return createUpstashClient(source, { metrics, timeoutMs: 2_000 });
}

beforeAll(async () => {
  // 100 ms between steps: the reset window lasts a few hundred milliseconds, as between Lambda invocations.
  [h, origin] = await Promise.all([startRotationHarness({ strategy: 'reset-password', stepDelayMs: 100 }), startOrigin()]);
});

afterAll(async () => {
  await Promise.all([h?.stop(), origin?.close()]);
});

describe('reset-password rotation', () => {
  it('seeds the secret with the tokens a Developer API reset issues', async () => {
    const original = h.upstash.server.token;
    const record = await enableAndSeed(h);
    expect(record.failed).toBeUndefined();
    const current = h.current();
    seen.push(current);
    expect(h.devApi.resets(h.databaseId)).toBe(1);
    expect(current).toMatchObject({ strategy: { name: 'reset-password' }, databaseId: h.databaseId, url: h.upstash.url });
    expect(current.token).toBe(h.upstash.server.token);
    expect(current.readOnlyToken).toBe(h.upstash.server.readOnlyToken);
    expect(await isRefused(h.upstash.url, original, rest)).toBe(true);
    expect(await rest.run(current.url, current.token, ['SET', KEY, 'catalog-json'])).toBe('OK');
  });

  it('rotates under load: reads only retry after a 401 and none fails', async () => {
    const metrics = new RecordingMetrics();
    const clients = [await instance(metrics), await instance(metrics), await instance(metrics)];
    // Full cache reads too: two engine instances on their own readers, serving a warmed document.
    const engines = await Promise.all([0, 1].map(async () => {
      const redis = await instance(metrics);
      return new CacheRouter({ engine: new CacheEngine({ env: engineEnvironment(origin.url), redis, guardrails: redis, xfetchBeta: 0 }), cacheRedis: redis, redisTimeoutMs: 500 });
    }));
    expect((await engines[0].handle({ method: 'GET', path: '/c/api/catalog', headers: {}, query: {} })).headers['x-cache']).toBe('MISS');
    const load = startLoad(clients, KEY, 'catalog-json');
    const engineLoad = startEngineLoad(engines, '/c/api/catalog');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const record = await h.rotate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [result, engineResult] = [await load.stop(), await engineLoad.stop()];

    // Through the engine: no user request failed. Reads may degrade to the origin while the
    // refresh waits for finishSecret (BYPASS, still 200); most stay HITs.
    expect(engineResult.statuses).toEqual([]);
    expect(engineResult.failed).toBe(0);
    expect(engineResult.hits).toBeGreaterThan(20);

    expect(record.failed).toBeUndefined();
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(20);
    // The old token died at the reset: the clients saw 401s and recovered through refresh-and-retry.
    expect(metrics.counterTotal('upstash_requests_total', { outcome: 'unauthorized' })).toBeGreaterThan(0);

    const current = h.current();
    seen.push(current);
    expect(h.devApi.resets(h.databaseId)).toBe(2);
    expect(current.token).not.toBe(seen[0].token);
    expect(await isRefused(current.url, seen[0].token, rest)).toBe(true);
    expect(await isRefused(current.url, seen[0].readOnlyToken, rest)).toBe(true);
    expect(await rest.run(current.url, current.readOnlyToken, ['GET', KEY])).toBe('catalog-json');
    expect(labelCounts(h.fake.stages(h.secretId))).toEqual({ AWSCURRENT: 1, AWSPREVIOUS: 1 });
  });

  it('never logs a token or the Developer API key', () => {
    const logged = h.logger.text();
    for (const value of seen) {
      expect(logged).not.toContain(value.token);
      expect(logged).not.toContain(value.readOnlyToken);
    }
    expect(logged).not.toContain(DEV_API_KEY);
  });
});
