/**
 * Bounded origin reads: a body over MAX_ITEM_BYTES is passed through uncached (and coalesced), one
 * over the platform's response limit is refused with 502 without being read to the end.
 */
import type { ServerResponse } from 'node:http';
import { MAX_PASS_THROUGH_BYTES } from '../../lambdas/engine/origin';
import { startOrigin, type Origin } from '../support/origin';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { RecordingMetrics } from '../support/recording-metrics';
import { bodyOf, engineFor, get, jsonOf } from './engine-support';

let upstash: TestUpstash;
let origin: Origin;
let sentBytes = 0;

/** Streams `bytes` in 64 KiB chunks, with or without Content-Length; counts what it managed to send. */
function stream(res: ServerResponse, bytes: number, declare: boolean): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', ...(declare ? { 'content-length': String(bytes) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 7);
  let left = bytes;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, chunk.byteLength);
      left -= n;
      sentBytes += n;
      if (!res.write(n === chunk.byteLength ? chunk : chunk.subarray(0, n))) { res.once('drain', pump); return; }
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}

beforeAll(async () => {
  [upstash, origin] = await Promise.all([startTestUpstash(), startOrigin((req, res) => {
    const size = Number(req.query.get('size') ?? '0');
    stream(res, size, req.query.get('declare') === '1');
  })]);
});
afterAll(async () => {
  await Promise.all([upstash?.stop(), origin?.close()]);
});

const engine = (metrics = new RecordingMetrics()) => engineFor(upstash, origin.url, {
  metrics, maxItemBytes: 64 * 1024, surface: { varyQuery: ['size', 'declare'], compressAboveBytes: 1_000_000 },
});

it('passes a body over MAX_ITEM_BYTES through uncached, coalesced, and remembers the key briefly', async () => {
  const reader = await engine();
  const before = origin.requests();
  const answers = await Promise.all(Array.from({ length: 10 }, () => reader.handle(get('/c/api/big', {}, { size: String(512 * 1024) }))));
  expect(answers.every((a) => a.statusCode === 200 && bodyOf(a).byteLength === 512 * 1024)).toBe(true);
  expect(origin.requests() - before).toBe(1);
  expect(await upstash.redis.exists('dev:api:big:default')).toBe(0);
  await upstash.redis.del('dev:lock:api:big:default');
  const again = await reader.handle(get('/c/api/big', {}, { size: String(512 * 1024) }));
  expect(again.headers['x-cache']).toBe('MISS');
  // Remembered as oversize: no refresh lock taken for it.
  expect(await upstash.redis.exists('dev:lock:api:big:default')).toBe(0);
});

it.each([['without', '0'], ['with', '1']])('refuses a body over the platform limit %s Content-Length: 502 origin_response_too_large, not read to the end', async (_, declare) => {
  const metrics = new RecordingMetrics();
  const reader = await engine(metrics);
  sentBytes = 0;
  const size = 40 * 1024 * 1024;
  const res = await reader.handle(get('/c/api/huge', {}, { size: String(size), declare }));
  expect(res.statusCode).toBe(502);
  expect(jsonOf(res)).toMatchObject({ error: 'origin_response_too_large' });
  expect(metrics.counter('cache_origin_requests_total', { namespace: 'api', outcome: 'too_large' })).toBe(1);
  await new Promise((r) => setTimeout(r, 200));
  // Socket buffers hold a little beyond what was read; nowhere near the whole body.
  expect(sentBytes).toBeLessThan(MAX_PASS_THROUGH_BYTES + 16 * 1024 * 1024);
});
