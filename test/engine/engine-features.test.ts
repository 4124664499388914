import { trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { RateLimiterManager } from '../../lambdas/guardrails/rate-limiter';
import { DEFAULT_READ_POLICY } from '../../config/surfaces';
import { useLocalStack } from '../support/local-stack';
import { clientFor, engineFor, get, jsonOf } from './engine-support';

const local = useLocalStack();
afterAll(() => trace.disable());
beforeEach(async () => {
  await local.cache.flush();
  local.origin.reset();
  local.origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.path} #${req.n}` }));
});

/** Records the attributes of every span the engine ends. */
class RecordingTracer implements TracerProvider {
  readonly spans: { name: string; attributes: Record<string, unknown> }[] = [];
  getTracer(): Tracer {
    const startSpan = (name: string): Span => {
      const record = { name, attributes: {} as Record<string, unknown> };
      const span = {
        setAttribute: (k: string, v: unknown) => { record.attributes[k] = v; return span; },
        setAttributes: (a: Record<string, unknown>) => { Object.assign(record.attributes, a); return span; },
        setStatus: () => span, recordException: () => undefined, addEvent: () => span, updateName: () => span,
        end: () => { this.spans.push(record); }, isRecording: () => true,
        spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
      };
      return span as unknown as Span;
    };
    return {
      startSpan,
      startActiveSpan: (name: string, ...rest: unknown[]) => (rest[rest.length - 1] as (s: Span) => unknown)(startSpan(name)),
    } as unknown as Tracer;
  }
}

describe('engine features', () => {
  it('records spans with cache.hit and cache.namespace', async () => {
    const recorder = new RecordingTracer();
    trace.setGlobalTracerProvider(recorder);
    const engine = await engineFor(local.cache, local.origin.url);
    await engine.handle(get('/c/api/traced'));
    await engine.handle(get('/c/api/traced'));
    trace.disable();
    const reads = recorder.spans.filter((s) => s.attributes['http.route'] === '/c/{surface}/{path+}');
    expect(reads.map((s) => [s.attributes['cache.namespace'], s.attributes['cache.hit'], s.attributes['cache.status']]))
      .toEqual([['api', false, 'MISS'], ['api', true, 'HIT']]);
    expect(reads[0]?.attributes['http.response.status_code']).toBe(200);
  });

  it('refresh() is the write path: stores whatever is cached, reports what it did', async () => {
    const engine = await engineFor(local.cache, local.origin.url);
    expect(await engine.refresh('api', '/warm/me')).toEqual({ key: 'dev:api:warm.me:default', stored: true, status: 200 });
    const hit = await engine.handle(get('/c/api/warm/me'));
    expect([hit.headers['x-cache'], hit.body]).toEqual(['HIT', '/api/warm/me #1']);
    await engine.refresh('api', 'warm/me');
    expect((await engine.handle(get('/c/api/warm/me'))).body).toBe('/api/warm/me #2');
    local.origin.setHandler(() => ({ status: 500 }));
    expect(await engine.refresh('api', '/warm/me')).toMatchObject({ stored: false, status: 500, reason: 'origin_error' });
    expect((await engine.handle(get('/c/api/warm/me'))).body).toBe('/api/warm/me #2');
    await expect(engine.refresh('nope', '/x')).rejects.toThrow(/unknown surface "nope"/);
    await expect(engine.refresh('api', '/X')).rejects.toThrow(/lowercase/);
  });

  it('in one instance, callers arriving during a stale refresh get STALE at once', async () => {
    let offset = 0;
    const engine = await engineFor(local.cache, local.origin.url, { clock: () => Date.now() + offset });
    await engine.handle(get('/c/api/busy'));
    offset = 31_000;
    local.origin.setHandler((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `new #${req.n}`, delayMs: 300 }));
    const owner = engine.handle(get('/c/api/busy'));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const other = await engine.handle(get('/c/api/busy'));
    expect(Date.now() - started).toBeLessThan(250);
    expect(other.headers['x-cache']).toBe('STALE');
    expect((await owner).body).toBe('new #2');
  });

  it('checks the rate limit in parallel and answers 429 with headers when limited', async () => {
    const limiter = new RateLimiterManager({
      redis: await clientFor(local.guardrails), env: 'dev',
      policies: { api: { ...DEFAULT_READ_POLICY, limit: 2, timeoutMs: 2000 }, marketing: DEFAULT_READ_POLICY },
    });
    const engine = await engineFor(local.cache, local.origin.url, { rateLimiter: limiter });
    const ok = await engine.handle(get('/c/api/limited'));
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['RateLimit-Limit']).toBe('2');
    await engine.handle(get('/c/api/limited'));
    const limited = await engine.handle(get('/c/api/limited'));
    expect(limited.statusCode).toBe(429);
    expect(jsonOf(limited)).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.headers['Retry-After'])).toBeGreaterThan(0);
    expect(local.origin.requests()).toBe(1);
  });
});
