import { createHash } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { json, type HttpResult } from '../../lambdas/shared/http';
import { GuardrailInputError } from '../../lambdas/guardrails/errors';
import { IdempotencyStore, requestFingerprint, validateIdempotencyKey } from '../../lambdas/guardrails/idempotency';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

describe('IdempotencyStore on a real Redis', () => {
  let upstash: TestUpstash;
  let store: IdempotencyStore;
  const body = '{"surface":"marketing","bump":true}';
  const fingerprint = requestFingerprint('POST', '/admin/invalidate', body);

  beforeAll(async () => { upstash = await startTestUpstash(); });
  afterAll(async () => { await upstash?.stop(); });
  beforeEach(async () => {
    await upstash.flush();
    store = new IdempotencyStore({ redis: upstash.redis, env: 'dev', ttlSeconds: 600 });
  });

  function counting(response: () => HttpResult): { fn: () => Promise<HttpResult>; calls: () => number } {
    let calls = 0;
    return { fn: async () => { calls++; return response(); }, calls: () => calls };
  }

  it('runs the first request and replays its answer, byte for byte, to a repeat', async () => {
    let generation = 0;
    const work = counting(() => json(200, { bumped: 'marketing', generation: ++generation }, { 'x-took-ms': '3' }));
    const first = await store.run('admin', 'key-123', fingerprint, work.fn);
    const second = await store.run('admin', 'key-123', fingerprint, work.fn);
    expect(first.outcome).toBe('executed');
    expect(second.outcome).toBe('replayed');
    expect(work.calls()).toBe(1);
    expect(second.response.statusCode).toBe(200);
    expect(second.response.body).toBe(first.response.body);
    expect(JSON.parse(second.response.body as string)).toEqual({ bumped: 'marketing', generation: 1 });
    expect(second.response.headers).toEqual({ ...first.response.headers, 'Idempotent-Replayed': 'true' });
    const ttl = await upstash.redis.ttl(`dev:idem:admin:${createHash('sha256').update('key-123').digest('hex')}`);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('replays through a client that deserializes JSON automatically', async () => {
    const parsing = new Redis({ url: upstash.url, token: upstash.token, enableTelemetry: false });
    const other = new IdempotencyStore({ redis: parsing, env: 'dev' });
    const work = counting(() => json(201, { created: true }));
    await other.run('admin', 'k-parsing', fingerprint, work.fn);
    const again = await other.run('admin', 'k-parsing', fingerprint, work.fn);
    expect(again).toMatchObject({ outcome: 'replayed', response: { statusCode: 201, body: '{"created":true}' } });
    expect(work.calls()).toBe(1);
  });

  it('replays 4xx answers too', async () => {
    const work = counting(() => json(422, { error: 'unknown_event', message: 'no such event' }));
    await store.run('admin', 'k-4xx', fingerprint, work.fn);
    const again = await store.run('admin', 'k-4xx', fingerprint, work.fn);
    expect(again).toMatchObject({ outcome: 'replayed', response: { statusCode: 422 } });
    expect(work.calls()).toBe(1);
  });

  it('answers 409 with Retry-After to a duplicate that arrives while the first is in progress', async () => {
    let finish!: () => void;
    const gate = new Promise<void>((r) => { finish = r; });
    const first = store.run('admin', 'k-concurrent', fingerprint, async () => { await gate; return json(200, { ok: true }); });
    await new Promise((r) => setTimeout(r, 50));
    const duplicate = await store.run('admin', 'k-concurrent', fingerprint, async () => json(200, { ran: 'twice' }));
    expect(duplicate.outcome).toBe('in_progress');
    expect(duplicate.response.statusCode).toBe(409);
    expect(duplicate.response.headers['Retry-After']).toBe('1');
    expect(JSON.parse(duplicate.response.body as string).error).toBe('idempotency_in_progress');
    finish();
    expect((await first).outcome).toBe('executed');
    const later = await store.run('admin', 'k-concurrent', fingerprint, async () => json(200, { ran: 'twice' }));
    expect(later.outcome).toBe('replayed');
    expect(JSON.parse(later.response.body as string)).toEqual({ ok: true });
  });

  it('lets exactly one of many simultaneous duplicates run', async () => {
    const work = counting(() => json(200, { ok: true }));
    const slow = async () => { await new Promise((r) => setTimeout(r, 30)); return work.fn(); };
    const results = await Promise.all(Array.from({ length: 20 }, () => store.run('admin', 'k-race', fingerprint, slow)));
    expect(work.calls()).toBe(1);
    expect(results.filter((r) => r.outcome === 'executed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'in_progress')).toHaveLength(19);
  });

  it('refuses the same key for a different request with 422', async () => {
    await store.run('admin', 'k-reuse', fingerprint, async () => json(200, { ok: true }));
    const other = requestFingerprint('POST', '/admin/invalidate', '{"keys":["dev:marketing:home:default"]}');
    const reused = await store.run('admin', 'k-reuse', other, async () => json(200, { ok: 'other' }));
    expect(reused.outcome).toBe('mismatch');
    expect(reused.response.statusCode).toBe(422);
    expect(JSON.parse(reused.response.body as string).error).toBe('idempotency_key_reused');
  });

  it('keeps keys apart per scope', async () => {
    const work = counting(() => json(200, { ok: true }));
    await store.run('admin', 'same', fingerprint, work.fn);
    expect((await store.run('allowlist', 'same', fingerprint, work.fn)).outcome).toBe('executed');
    expect(work.calls()).toBe(2);
  });

  it('does not keep 5xx answers or thrown errors, so a retry runs again', async () => {
    const unavailable = counting(() => json(503, { error: 'redis_unavailable', message: 'try again' }));
    expect((await store.run('admin', 'k-5xx', fingerprint, unavailable.fn)).outcome).toBe('executed');
    expect((await store.run('admin', 'k-5xx', fingerprint, unavailable.fn)).outcome).toBe('executed');
    expect(unavailable.calls()).toBe(2);

    await expect(store.run('admin', 'k-throw', fingerprint, async () => { throw new Error('handler bug'); })).rejects.toThrow('handler bug');
    const retried = await store.run('admin', 'k-throw', fingerprint, async () => json(200, { ok: true }));
    expect(retried.outcome).toBe('executed');
  });

  it('frees the key of a request that crashed once its in-progress lease ends', async () => {
    const short = new IdempotencyStore({ redis: upstash.redis, env: 'dev', inProgressTtlSeconds: 1 });
    void short.run('admin', 'k-crash', fingerprint, () => new Promise<HttpResult>(() => undefined)); // never finishes
    await new Promise((r) => setTimeout(r, 50));
    expect((await short.run('admin', 'k-crash', fingerprint, async () => json(200, {}))).outcome).toBe('in_progress');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await short.run('admin', 'k-crash', fingerprint, async () => json(200, {}))).outcome).toBe('executed');
  });

  it('rejects malformed Idempotency-Key values and scopes with named errors', async () => {
    const noop = async () => json(200, {});
    await expect(store.run('admin', '', fingerprint, noop)).rejects.toThrow(GuardrailInputError);
    await expect(store.run('admin', 'has space', fingerprint, noop)).rejects.toThrow(/visible ASCII/);
    await expect(store.run('admin', 'x'.repeat(256), fingerprint, noop)).rejects.toThrow(/got 256 characters/);
    await expect(store.run('Admin Scope', 'ok', fingerprint, noop)).rejects.toThrow(/scope must be lowercase/);
    expect(() => validateIdempotencyKey('550e8400-e29b-41d4-a716-446655440000')).not.toThrow();
    expect(() => new IdempotencyStore({ redis: upstash.redis, env: 'dev', ttlSeconds: 0 })).toThrow(/ttlSeconds/);
  });

  it('fingerprints by method, path and body', () => {
    expect(requestFingerprint('post', '/a', 'x')).toBe(requestFingerprint('POST', '/a', 'x'));
    expect(requestFingerprint('POST', '/a', 'x')).not.toBe(requestFingerprint('POST', '/b', 'x'));
    expect(requestFingerprint('POST', '/a', 'x')).not.toBe(requestFingerprint('POST', '/a', 'y'));
  });
});
