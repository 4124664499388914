import {
  InflightLimiter, backpressureSettings,
} from '../../lambdas/guardrails/backpressure';
import { RecordingMetrics } from '../support/recording-metrics';

const ROUTE = '/c/{surface}/{path+}';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('InflightLimiter', () => {
  it('lets maxInflight requests run at once and refuses the next with 503 JSON and Retry-After', async () => {
    const metrics = new RecordingMetrics();
    const limiter = new InflightLimiter({ maxInflight: 3, metrics, retryAfterSeconds: 2 });
    const gate = deferred();
    const running = [1, 2, 3].map((n) => limiter.run(ROUTE, async () => { await gate.promise; return n; }));
    expect(limiter.inflight).toBe(3);
    expect(metrics.gauge('http_active_requests')).toBe(3);

    const refused = await limiter.run(ROUTE, async () => 'should not run');
    expect(refused).toMatchObject({ statusCode: 503, headers: { 'Retry-After': '2' } });
    expect(JSON.parse((refused as { body: string }).body)).toEqual({ error: 'overloaded', message: expect.stringContaining('3 requests') });
    expect(metrics.counter('cache_backpressure_total', { route: ROUTE })).toBe(1);

    gate.resolve();
    await expect(Promise.all(running)).resolves.toEqual([1, 2, 3]);
    expect(limiter.inflight).toBe(0);
    expect(metrics.gauge('http_active_requests')).toBe(0);
    await expect(limiter.run(ROUTE, async () => 'runs again')).resolves.toBe('runs again');
  });

  it('frees the slot when the work throws, and a double release frees only one slot', async () => {
    const limiter = new InflightLimiter({ maxInflight: 2 });
    await expect(limiter.run(ROUTE, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(limiter.inflight).toBe(0);
    const a = limiter.tryAcquire(ROUTE)!;
    const b = limiter.tryAcquire(ROUTE)!;
    expect(limiter.tryAcquire(ROUTE)).toBeNull();
    a();
    a();
    expect(limiter.inflight).toBe(1);
    b();
    expect(limiter.inflight).toBe(0);
  });

  it('publishes the configured bound as max_inflight_requests', () => {
    const metrics = new RecordingMetrics();
    new InflightLimiter({ maxInflight: 7, metrics });
    expect(metrics.gauge('max_inflight_requests')).toBe(7);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxInflight %p', (value) => {
    expect(() => new InflightLimiter({ maxInflight: value })).toThrow(/maxInflight must be an integer >= 1/);
  });
});

describe('backpressureSettings', () => {
  const defaults = { maxInflight: 200, requestTimeoutMs: 10_000 };

  it('falls back to the typed config and reads MAX_INFLIGHT / REQUEST_TIMEOUT_MS', () => {
    expect(backpressureSettings(defaults, {})).toEqual(defaults);
    expect(backpressureSettings(defaults, { MAX_INFLIGHT: '50', REQUEST_TIMEOUT_MS: '2500' }))
      .toEqual({ maxInflight: 50, requestTimeoutMs: 2500 });
  });

  it.each([['MAX_INFLIGHT', 'lots'], ['MAX_INFLIGHT', '0'], ['REQUEST_TIMEOUT_MS', '1.5'], ['REQUEST_TIMEOUT_MS', '-3']])(
    'names %s when it is %p', (name, value) => {
      expect(() => backpressureSettings(defaults, { [name]: value })).toThrow(new RegExp(`${name} must be a positive integer, got "${value}"`));
    });
});
