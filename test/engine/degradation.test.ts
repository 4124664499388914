import { startOrigin, type Origin } from '../support/origin';
import { startTestUpstash } from '../support/upstash';
import { engineFor, get, jsonOf, sleep, type TestCache } from './engine-support';
import { RecordingMetrics } from '../support/recording-metrics';

let origin: Origin;
beforeAll(async () => {
  origin = await startOrigin((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.path} #${req.n}` }));
});
afterAll(async () => {
  await origin?.close();
});

async function waitFor(engine: TestCache, path: string, status: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const res = await engine.handle(get(path));
    expect(res.statusCode).toBe(200);
    if (res.headers['x-cache'] === status) return;
    await sleep(50);
  }
  throw new Error(`${path} never answered X-Cache: ${status} within ${withinMs} ms`);
}

describe('degradation', () => {
  it('Redis killed mid-run: BYPASS with no 5xx, then recovers by itself after a restart', async () => {
    const upstash = await startTestUpstash({ dedicatedRedis: true });
    try {
      const metrics = new RecordingMetrics();
      const engine = await engineFor(upstash, origin.url, { metrics, redisTimeoutMs: 300, breaker: { failureThreshold: 3, openMs: 200 } });
      await engine.handle(get('/c/api/k'));
      expect((await engine.handle(get('/c/api/k'))).headers['x-cache']).toBe('HIT');
      await upstash.redisProcess?.kill();
      const during = await Promise.all(Array.from({ length: 30 }, (_, i) => engine.handle(get(`/c/api/k${i % 3}`))));
      expect(during.map((r) => r.statusCode)).toEqual(during.map(() => 200));
      expect(new Set(during.map((r) => r.headers['x-cache']))).toEqual(new Set(['BYPASS']));
      for (let i = 0; i < 5; i++) expect((await engine.handle(get('/c/api/k'))).headers['x-cache']).toBe('BYPASS');
      expect(engine.circuitState()).not.toBe('closed');
      expect((await engine.handle(get('/readyz'))).statusCode).toBe(503);
      expect(metrics.counter('cache_bypass_total', { namespace: 'api', reason: 'redis_unavailable' })).toBeGreaterThanOrEqual(35);
      await upstash.redisProcess?.restart();
      await waitFor(engine, '/c/api/k', 'MISS', 5_000); // data is gone after a restart
      expect((await engine.handle(get('/c/api/k'))).headers['x-cache']).toBe('HIT');
      expect(engine.circuitState()).toBe('closed');
      expect(jsonOf(await engine.handle(get('/readyz')))).toMatchObject({ status: 'ready' });
    } finally {
      await upstash.stop();
    }
  });

  it('Redis slowed past the timeout: BYPASS with no 5xx, recovers when it speeds up', async () => {
    const upstash = await startTestUpstash({ viaProxy: true });
    try {
      // As the handler runs it: the client's own 150 ms timeout, no second timer in the breaker.
      const engine = await engineFor(upstash, origin.url, { redisTimeoutMs: 150, breaker: { timeoutMs: 0, failureThreshold: 2, openMs: 200 } });
      await engine.handle(get('/c/api/slow'));
      expect((await engine.handle(get('/c/api/slow'))).headers['x-cache']).toBe('HIT');
      upstash.proxy?.setDelay(600);
      const started = Date.now();
      const slow = await Promise.all(Array.from({ length: 10 }, () => engine.handle(get('/c/api/slow'))));
      expect(slow.map((r) => [r.statusCode, r.headers['x-cache']])).toEqual(slow.map(() => [200, 'BYPASS']));
      // Bounded by the Redis timeout, not by the slow Redis.
      expect(Date.now() - started).toBeLessThan(600);
      expect((await engine.handle(get('/readyz'))).statusCode).toBe(503);
      upstash.proxy?.setDelay(0);
      await sleep(700); // let delayed replies drain
      expect((await engine.handle(get('/readyz'))).statusCode).toBe(200);
      await waitFor(engine, '/c/api/slow', 'HIT', 5_000);
    } finally {
      await upstash.stop();
    }
  });

  it('Upstash answering 500 or garbage is a BYPASS too, never a 5xx', async () => {
    const upstash = await startTestUpstash();
    try {
      const engine = await engineFor(upstash, origin.url, { breaker: { failureThreshold: 100 } });
      for (const mode of ['http500', 'garbage'] as const) {
        upstash.server.setFault(mode);
        const res = await engine.handle(get('/c/api/fault'));
        expect([res.statusCode, res.headers['x-cache']]).toEqual([200, 'BYPASS']);
      }
      upstash.server.setFault('none');
      expect((await engine.handle(get('/c/api/fault'))).headers['x-cache']).toBe('MISS');
    } finally {
      await upstash.stop();
    }
  });
});
