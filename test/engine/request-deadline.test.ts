/**
 * `REQUEST_TIMEOUT_MS` bounds a read end to end: origin calls and waits for another caller's
 * refresh get only what is left of the request's deadline (real Redis, a real slow origin).
 */
import { useLocalStack } from '../support/local-stack';
import { engineFor, get } from './engine-support';

const local = useLocalStack({ guardrails: false });
beforeEach(async () => {
  await local.cache.flush();
  local.origin.setHandler(() => ({ status: 200, body: 'slow page', headers: { 'content-type': 'text/plain' }, delayMs: 1_500 }));
});

describe('request deadline', () => {
  it('cuts an origin call that outlives the request deadline: 502 JSON well before the origin timeout', async () => {
    const engine = await engineFor(local.cache, local.origin.url, { requestTimeoutMs: 300, surface: { originTimeoutMs: 5_000 } });
    const started = Date.now();
    const res = await engine.handle(get('/c/marketing/slow'));
    const elapsed = Date.now() - started;
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body as string)).toMatchObject({ error: 'origin_unavailable', message: expect.stringMatching(/within \d+ ms/) });
    expect(elapsed).toBeLessThan(1_200);
  });

  it('bounds the wait for another instance refreshing the same key by the deadline too', async () => {
    const owner = await engineFor(local.cache, local.origin.url, { surface: { originTimeoutMs: 5_000 } });
    const waiter = await engineFor(local.cache, local.origin.url, { requestTimeoutMs: 300, surface: { originTimeoutMs: 5_000 } });
    const owned = owner.handle(get('/c/marketing/shared'));
    await new Promise((r) => setTimeout(r, 100)); // the owner holds the refresh lock
    const started = Date.now();
    const res = await waiter.handle(get('/c/marketing/shared'));
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(res.statusCode).toBe(502);
    expect((await owned).statusCode).toBe(200);
  });

  it('leaves reads that finish in time alone', async () => {
    local.origin.setHandler(() => ({ status: 200, body: 'quick page', headers: { 'content-type': 'text/plain' } }));
    const engine = await engineFor(local.cache, local.origin.url, { requestTimeoutMs: 2_000 });
    expect((await engine.handle(get('/c/marketing/quick'))).headers['x-cache']).toBe('MISS');
    expect((await engine.handle(get('/c/marketing/quick'))).headers['x-cache']).toBe('HIT');
  });
});
