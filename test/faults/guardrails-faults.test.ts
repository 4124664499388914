/**
 * The guardrails database failing alone (its REST server answering 500s) while the cache database
 * is healthy: reads keep being served from the cache with the rate limiter failing open (the read
 * policy's stated choice), while the admin API, whose limiter fails closed, refuses with 503 rather
 * than run unlimited, and /metrics says it cannot read its data. Clearing the fault restores all.
 */
import { bearer, send } from '../e2e/client';
import { startStack, type Stack } from '../e2e/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

// The api surface rate-limits every read (marketing limits only origin-bound ones), so a hit there
// makes a rate-limit decision that can fail open.
it('fails open on reads and closed on admin while the guardrails database answers 500s, then recovers', async () => {
  const page = `${stack.url}/c/api/articles/guarded`;
  await send(page);
  const healthy = await send(page);
  expect(healthy.headers['x-cache']).toBe('HIT');
  expect(healthy.headers['ratelimit-limit']).toBeDefined();

  stack.dev.upstash.guardrails.setFault('http500');
  try {
    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => send(page, { ip: `127.0.30.${i + 1}` })));
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(r.headers['x-cache']).toBe('HIT');
      expect(r.headers['ratelimit-limit']).toBeUndefined(); // no decision was made: nothing to advertise
    }
    const bump = await send(`${stack.url}/admin/invalidate`, { method: 'POST', body: { surface: 'api', bump: true }, headers: bearer(stack.adminToken) });
    expect(bump.status).toBe(503);
    expect(bump.json()).toMatchObject({ error: 'rate_limiter_unavailable' });
    expect(Number(bump.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const metrics = await send(`${stack.url}/metrics`, { headers: bearer(stack.metricsToken) });
    expect(metrics.status).toBe(503);
    expect(metrics.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    expect((await send(`${stack.url}/readyz`)).status).toBe(200); // the cache database answers
  } finally {
    stack.dev.upstash.guardrails.setFault('none');
  }

  const after = await send(page, { ip: '127.0.30.99' });
  expect(after.headers['ratelimit-limit']).toBeDefined();
  const bump = await send(`${stack.url}/admin/invalidate`, { method: 'POST', body: { surface: 'api', bump: true }, headers: bearer(stack.adminToken) });
  expect(bump.status).toBe(200);
  expect((await send(page)).headers['x-cache']).toBe('MISS');
});
