import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUpstashClient, isAuthError } from '../../lambdas/shared/upstash';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { TestCredentials } from './engine-support';
import { RecordingMetrics } from '../support/recording-metrics';

let upstash: TestUpstash;
beforeAll(async () => { upstash = await startTestUpstash(); });
afterAll(async () => { await upstash?.stop(); });

describe('createUpstashClient', () => {
  it('returns strings as stored (no automatic deserialization)', async () => {
    const redis = await createUpstashClient(new TestCredentials({ url: upstash.url, token: upstash.server.token }));
    await redis.set('k', '{"a":1}');
    expect(await redis.get('k')).toBe('{"a":1}');
  });

  it('on a 401 refreshes the credentials once and retries, for commands and pipelines', async () => {
    const oldToken = upstash.server.token;
    const metrics = new RecordingMetrics();
    const source = new TestCredentials({ url: upstash.url, token: oldToken }, { url: upstash.url, token: 'rotated-token-1' });
    const redis = await createUpstashClient(source, { metrics });
    await redis.set('a', '1');
    upstash.server.setTokens({ token: 'rotated-token-1' });
    const [a, b] = await Promise.all([redis.get('a'), redis.incr('n')]);
    expect([a, b]).toEqual(['1', 1]);
    expect(source.refreshes).toBe(1);
    const p = redis.pipeline();
    p.incr('n');
    p.get('a');
    expect(await p.exec()).toEqual([2, '1']);
    expect(source.refreshes).toBe(1);
    expect(metrics.counter('upstash_requests_total', { database: 'cache', outcome: 'unauthorized' })).toBeGreaterThanOrEqual(1);
    expect(metrics.counter('upstash_requests_total', { database: 'cache', outcome: 'success' })).toBeGreaterThanOrEqual(3);
  });

  it('a token that stays wrong fails after one refresh instead of looping', async () => {
    const source = new TestCredentials({ url: upstash.url, token: 'wrong' });
    const redis = await createUpstashClient(source);
    await expect(redis.get('a')).rejects.toThrow(/WRONGPASS/);
    expect(isAuthError(new Error('WRONGPASS invalid or missing auth token'))).toBe(true);
    expect(source.refreshes).toBe(1);
  });

  it('times out a request that gets no answer within timeoutMs', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = silent.address() as AddressInfo;
      const redis = await createUpstashClient(new TestCredentials({ url: `http://127.0.0.1:${port}`, token: 't' }), { timeoutMs: 150 });
      const started = Date.now();
      await expect(redis.get('a')).rejects.toThrow(/timeout|abort/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});
