/**
 * `alternating-users` end to end: real redis-server ACL users behind the local Upstash server, the
 * local Developer API, the rotation function driven by the in-memory Secrets Manager, and a load of
 * cache reads through `createUpstashClient` + `SecretsManagerCredentialsSource` and through two
 * `CacheEngine` instances serving a warmed page.
 */
import type { Redis } from '@upstash/redis';
import { ACL_USERS } from '../../lambdas/rotation/alternating-users';
import type { UpstashSecretValue } from '../../lambdas/rotation/secret-value';
import { isRefused } from '../../lambdas/rotation/strategy';
import { UpstashRestRunner } from '../../lambdas/rotation/upstash-rest';
import { SecretsManagerCredentialsSource } from '../../lambdas/shared/secrets-manager-credentials';
import { CacheRouter } from '../../lambdas/cache/cache-router';
import { CacheEngine } from '../../lambdas/engine/cache-engine';
import { createUpstashClient } from '../../lambdas/shared/upstash';
import { startOrigin, type Origin } from '../support/origin';
import { DEV_API_KEY, enableAndSeed, labelCounts, startRotationHarness, type RotationHarness } from './harness';
import { engineEnvironment, startEngineLoad, startLoad, startProbe } from './load';
import { RecordingMetrics } from '../support/recording-metrics';

const rest = new UpstashRestRunner({ retries: 0, timeoutMs: 2_000 });
const KEY = 'dev:marketing:home:v1';

let h: RotationHarness;
let origin: Origin;
const seen: UpstashSecretValue[] = [];

async function instance(metrics: RecordingMetrics): Promise<Redis> {
  // A Lambda instance: its own cached reader and client.
  const source = new SecretsManagerCredentialsSource({ secretId: h.secretId, client: h.client, maxAgeSeconds: 60 });
  return createUpstashClient(source, { metrics, timeoutMs: 2_000 });
}

/** AWSCURRENT, read afresh each time, must answer PING: the current token is never invalid. */
function currentTokenProbe() {
  return startProbe(async () => {
    const current = h.current();
    await rest.run(current.url, current.token, ['PING']);
    await rest.run(current.url, current.readOnlyToken, ['EXISTS', KEY]);
  });
}

beforeAll(async () => {
  [h, origin] = await Promise.all([startRotationHarness({ strategy: 'alternating-users', stepDelayMs: 15 }), startOrigin()]);
});

afterAll(async () => {
  await Promise.all([h?.stop(), origin?.close()]);
});

describe('alternating-users rotation', () => {
  let oldInstance: Redis;
  const oldMetrics = new RecordingMetrics();

  it('seeds the unseeded secret on the first rotation with the first ACL user', async () => {
    // The default user's token as Terraform state records it when the database is created.
    const stateToken = h.upstash.server.token;
    const record = await enableAndSeed(h);
    expect(record).toMatchObject({ completed: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] });
    expect(record.failed).toBeUndefined();
    const current = h.current();
    seen.push(current);
    expect(current.strategy).toEqual({ name: 'alternating-users', user: ACL_USERS[0], readOnlyUser: `${ACL_USERS[0]}-ro` });
    expect(current.url).toBe(h.upstash.url);
    expect(current.token).not.toBe(h.upstash.server.token);
    expect(await rest.run(current.url, current.token, ['PING'])).toBe('PONG');
    // Read-only user: reads yes, writes and ACL no.
    await expect(rest.run(current.url, current.readOnlyToken, ['SET', KEY, 'x'])).rejects.toThrow(/NOPERM/);
    // The read-write user runs what the platform needs, but no ACL administration (no token
    // minting by consumers), KEYS or flushes.
    expect(await rest.run(current.url, current.token, ['SET', 'dev:probe:a:b', '1', 'EX', '60'])).toBe('OK');
    expect(await rest.run(current.url, current.token, ['EVAL', 'return redis.call("GET", KEYS[1])', '1', 'dev:probe:a:b'])).toBe('1');
    expect(await rest.run(current.url, current.token, ['SCAN', '0', 'MATCH', 'dev:probe:*'])).toEqual(['0', ['dev:probe:a:b']]);
    expect(await rest.run(current.url, current.token, ['UNLINK', 'dev:probe:a:b'])).toBe(1);
    for (const forbidden of [['ACL', 'GENTOKEN', ACL_USERS[1]], ['KEYS', '*'], ['FLUSHALL'], ['FLUSHDB']]) {
      await expect(rest.run(current.url, current.token, forbidden)).rejects.toThrow(/NOPERM/);
    }
    expect(labelCounts(h.fake.stages(h.secretId))).toEqual({ AWSCURRENT: 1, AWSPREVIOUS: 1 });
    // The rotation reset the default user's password: a copy of state taken before holds nothing usable.
    expect(await isRefused(current.url, stateToken, rest)).toBe(true);
    expect(await rest.run(current.url, current.token, ['SET', KEY, 'cached-page'])).toBe('OK');
  });

  it('rotates under load with zero failed reads, zero 401s, and AWSCURRENT valid at every moment', async () => {
    const metrics = new RecordingMetrics();
    oldInstance = await instance(oldMetrics);
    const clients = [oldInstance, await instance(metrics), await instance(metrics)];
    // Full cache reads too: two engine instances on their own readers, serving a warmed page.
    const engines = await Promise.all([0, 1].map(async () => {
      const redis = await instance(metrics);
      return new CacheRouter({ engine: new CacheEngine({ env: engineEnvironment(origin.url), redis, guardrails: redis, xfetchBeta: 0 }), cacheRedis: redis, redisTimeoutMs: 500 });
    }));
    expect((await engines[0].handle({ method: 'GET', path: '/c/marketing/home', headers: {}, query: {} })).headers['x-cache']).toBe('MISS');
    const load = startLoad(clients, KEY, 'cached-page');
    const engineLoad = startEngineLoad(engines, '/c/marketing/home');
    const probe = currentTokenProbe();
    const record = await h.rotate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [result, engineResult, probed] = [await load.stop(), await engineLoad.stop(), await probe.stop()];

    // Through the engine: every read a HIT, none degraded to the origin, none failed.
    expect(engineResult.statuses).toEqual([]);
    expect(engineResult).toMatchObject({ failed: 0, degraded: 0 });
    expect(engineResult.hits).toBeGreaterThan(20);

    expect(record.failed).toBeUndefined();
    expect(record.completed).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(20);
    expect(metrics.counterTotal('upstash_requests_total', { outcome: 'unauthorized' }) + oldMetrics.counterTotal('upstash_requests_total', { outcome: 'unauthorized' })).toBe(0);
    expect(probed.failed).toEqual([]);
    expect(probed.ok).toBeGreaterThan(5);

    const current = h.current();
    seen.push(current);
    expect(current.strategy).toMatchObject({ user: ACL_USERS[1] });
    expect(h.valueAt('AWSPREVIOUS')?.token).toBe(seen[0].token);
    // The previous user's token stays valid for a whole rotation period.
    expect(await rest.run(seen[0].url, seen[0].token, ['PING'])).toBe('PONG');
    expect(labelCounts(h.fake.stages(h.secretId))).toEqual({ AWSCURRENT: 1, AWSPREVIOUS: 1 });
  });

  it('revokes the token from two rotations ago on the next rotation; fresh instances see no 401, an old one recovers', async () => {
    const metrics = new RecordingMetrics();
    const clients = [await instance(metrics), await instance(metrics)];
    const load = startLoad(clients, KEY, 'cached-page');
    // An instance that has lived through two rotations still holds the first token.
    const oldLoad = startLoad([oldInstance], KEY, 'cached-page', 1);
    const probe = currentTokenProbe();
    const record = await h.rotate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [result, oldResult, probed] = [await load.stop(), await oldLoad.stop(), await probe.stop()];

    expect(record.failed).toBeUndefined();
    expect(result.failed).toBe(0);
    expect(metrics.counterTotal('upstash_requests_total', { outcome: 'unauthorized' })).toBe(0);
    expect(oldResult.errors).toEqual([]);
    expect(oldResult.failed).toBe(0);
    expect(oldMetrics.counterTotal('upstash_requests_total', { outcome: 'unauthorized' })).toBeGreaterThanOrEqual(1);
    expect(probed.failed).toEqual([]);

    const current = h.current();
    seen.push(current);
    expect(current.strategy).toMatchObject({ user: ACL_USERS[0] });
    expect(await isRefused(seen[0].url, seen[0].token, rest)).toBe(true);
    expect(await isRefused(seen[0].url, seen[0].readOnlyToken, rest)).toBe(true);
    expect(await isRefused(seen[1].url, seen[1].token, rest)).toBe(false);
    expect(await rest.run(current.url, current.token, ['GET', KEY])).toBe('cached-page');
    expect(h.logger.lines.some((l) => l.message === 'the previous token of the rotated user is revoked')).toBe(true);
  });

  it('does nothing when a finished rotation is invoked again (at-least-once delivery)', async () => {
    const token = h.fake.rotations.at(-1)!.token;
    const before = JSON.stringify(h.fake.stages(h.secretId));
    const current = h.current();
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await h.rotator.rotate({ Step, SecretId: h.secretId, ClientRequestToken: token });
    }
    expect(JSON.stringify(h.fake.stages(h.secretId))).toBe(before);
    expect(h.current().token).toBe(current.token);
    expect(await rest.run(current.url, current.token, ['PING'])).toBe('PONG');
  });

  it('never logs a token, the admin token or the Developer API key', () => {
    const logged = h.logger.text();
    expect(h.logger.lines.length).toBeGreaterThan(10);
    for (const value of seen) {
      expect(logged).not.toContain(value.token);
      expect(logged).not.toContain(value.readOnlyToken);
    }
    expect(logged).not.toContain(h.upstash.server.token);
    expect(logged).not.toContain(DEV_API_KEY);
  });
});
