/**
 * Spans through the real OpenTelemetry SDK (in-memory exporter): the cache and admin functions as
 * Lambda runs them (httpHandler), on a real Redis behind the local Upstash server and a real origin.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createAdminFunction } from '../../lambdas/admin/handler';
import { createCacheFunction } from '../../lambdas/cache/handler';
import { httpHandler } from '../../lambdas/shared/per-container';
import { installTracing, type Tracing } from '../../lambdas/shared/tracing';
import { ADMIN_TOKEN, httpEvent } from '../admin/helpers';
import { engineFor, get } from '../engine/engine-support';
import { defaultOriginHandler } from '../support/origin';
import { useLocalStack } from '../support/local-stack';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
const local = useLocalStack();
let cacheFn: (e: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; headers?: Record<string, unknown> }>;
let adminFn: typeof cacheFn;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

beforeAll(async () => {
  tracing = installTracing({ exporter })!;
  const env = local.functionEnv({ api: '/api', marketing: '/marketing' }, { ADMIN_TOKEN, METRICS_FLUSH_INTERVAL_MS: '60000' });
  cacheFn = httpHandler('cache', () => createCacheFunction({ env }));
  adminFn = httpHandler('admin', () => createAdminFunction({ env }));
  // A first request loads the limiter's scripts; on a busy machine it may pass its 200 ms timeout and fail open.
  await read('/c/api/warm-up');
});
afterAll(async () => {
  await tracing?.shutdown();
});
beforeEach(() => exporter.reset());

const readSpans = (): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.attributes['http.route'] === '/c/{surface}/{path+}');
const attrs = (s: ReadableSpan | undefined) => {
  const a = s?.attributes ?? {};
  return {
    status: a['http.response.status_code'], outcome: a['cache.outcome'], hit: a['cache.hit'], xcache: a['cache.status'],
    namespace: a['cache.namespace'], bucket: a['rateLimit.bucket'], rateLimit: a['rateLimit.outcome'],
  };
};
const read = (path: string, headers: Record<string, string> = {}, sourceIp = '198.51.100.7') =>
  cacheFn(httpEvent({ path, headers, token: null, sourceIp }));

describe('spans leave the function with the runbook attributes', () => {
  it('a MISS then a HIT, nested under the caller\'s traceparent', async () => {
    const traceparent = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
    await read('/c/api/traced', { traceparent });
    await read('/c/api/traced', { traceparent });
    const [miss, hit] = readSpans();
    expect(attrs(miss)).toEqual({ status: 200, outcome: 'MISS', hit: false, xcache: 'MISS', namespace: 'api', bucket: 'api', rateLimit: 'allowed' });
    expect(attrs(hit)).toEqual({ status: 200, outcome: 'HIT', hit: true, xcache: 'HIT', namespace: 'api', bucket: 'api', rateLimit: 'allowed' });
    for (const s of [miss, hit]) {
      expect([s?.name, s?.kind, s?.spanContext().traceId, s?.parentSpanContext?.spanId]).toEqual(['GET /c/{surface}/{path+}', SpanKind.SERVER, TRACE_ID, CALLER_SPAN]);
    }
  });

  it('in Lambda the span nests under the X-Ray segment of the invocation (_X_AMZN_TRACE_ID)', async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    try {
      await read('/c/api/xray');
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
    const [span] = readSpans();
    expect([span?.spanContext().traceId, span?.parentSpanContext?.spanId]).toEqual(['5759e988bd862e3fe1be46a994272793', '53995c3f42cd8ad8']);
  });

  it('a STALE', async () => {
    let offset = 0;
    const engine = await engineFor(local.cache, local.origin.url, { clock: () => Date.now() + offset });
    await engine.handle(get('/c/api/stale-me'));
    offset = 31_000; // past the test surface's 30 s TTL, inside its 10 s stale window
    local.origin.setHandler(() => ({ status: 500 })); // the refresh fails: the stale copy is served
    exporter.reset();
    try {
      await engine.handle(get('/c/api/stale-me'));
    } finally {
      local.origin.setHandler(defaultOriginHandler);
    }
    expect(attrs(readSpans()[0])).toMatchObject({ status: 200, outcome: 'STALE', hit: true, xcache: 'STALE', namespace: 'api' });
  });

  it('a BYPASS while the emergency bypass is on', async () => {
    const on = await adminFn(httpEvent({ path: '/admin/bypass', body: { surface: 'marketing', enabled: true, ttlSeconds: 60 } }));
    expect(on.statusCode).toBe(200);
    exporter.reset();
    await read('/c/marketing/bypassed');
    await adminFn(httpEvent({ path: '/admin/bypass', body: { surface: 'marketing', enabled: false } }));
    expect(attrs(readSpans()[0])).toEqual({ status: 200, outcome: 'BYPASS', hit: false, xcache: 'BYPASS', namespace: 'marketing', bucket: 'marketing', rateLimit: 'allowed' });
  });

  it('a 429 once the bucket is exhausted', async () => {
    const ip = '203.0.113.77';
    let last: { statusCode?: number } = {};
    for (let i = 0; i < 400 && last.statusCode !== 429; i++) last = await read('/c/api/limited', {}, ip);
    expect(last.statusCode).toBe(429);
    const spans = readSpans();
    expect(attrs(spans[spans.length - 1])).toEqual({
      status: 429, outcome: 'rate_limited', hit: undefined, xcache: undefined, namespace: 'api', bucket: 'api', rateLimit: 'limited',
    });
  });

  it('an invalidation', async () => {
    const res = await adminFn(httpEvent({ path: '/admin/invalidate', body: { surface: 'api', bump: true }, headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` } }));
    expect(res.statusCode).toBe(200);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'cache.invalidate');
    expect(spans.map((s) => s.attributes)).toEqual([{
      'cache.invalidation.kind': 'surface', 'cache.namespace': 'api', 'cache.outcome': 'invalidated',
      'cache.invalidation.deleted': 0, 'cache.invalidation.bumped': 1,
    }]);
    expect(spans[0]?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
  });
});
