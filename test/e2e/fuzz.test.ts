/**
 * Property-based tests (fast-check) that complement test/engine's (key round trips, envelope round
 * trips, single-character corruption): here, arbitrary input from outside — request paths and
 * queries over HTTP, and arbitrary bytes where an entry should be — never yields a 5xx, and never
 * puts a key outside the documented grammar into Redis.
 */
import fc from 'fast-check';
import { CorruptEntryError, decodeEnvelope, encodeEnvelope } from '../../lambdas/engine/envelope';
import { send } from './client';
import { snapshot, startStack, type Stack } from './stack';

/** Every key the platform may write in the cache database (lambdas/engine/keys.ts). */
const KEY_GRAMMAR = /^dev:(?:(?:marketing|api):[a-z0-9._-]+:[a-z0-9._-]+|state:(?:marketing|api)|gen:(?:marketing|api):[a-z0-9._-]+|lock:(?:marketing|api):[a-z0-9._-]+:[a-z0-9._-]+)$/;

describe('decodeEnvelope on arbitrary input (property)', () => {
  const valid = JSON.parse(encodeEnvelope({
    surfaceVersion: 1, storedAtMs: 1_700_000_000_000, ttlSeconds: 60, staleSeconds: 30,
    generations: { surface: '0', resource: '0' }, originMs: 12,
    payload: { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello') },
  }).value) as Record<string, unknown>;

  const decodesOrRejects = (value: string): void => {
    try {
      decodeEnvelope(value);
    } catch (e) {
      expect(e).toBeInstanceOf(CorruptEntryError);
    }
  };

  it('throws nothing but CorruptEntryError for any string or JSON value', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })), decodesOrRejects), { numRuns: 500 });
  });

  it('rejects an entry with any field replaced by another JSON value, unless it decodes to the same entry', () => {
    const original = decodeEnvelope(JSON.stringify(valid));
    fc.assert(fc.property(fc.constantFrom(...Object.keys(valid)), fc.jsonValue({ maxDepth: 2 }), (field, replacement) => {
      fc.pre(JSON.stringify(replacement) !== JSON.stringify(valid[field]));
      let decoded;
      try {
        decoded = decodeEnvelope(JSON.stringify({ ...valid, [field]: replacement }));
      } catch (e) {
        expect(e).toBeInstanceOf(CorruptEntryError);
        return;
      }
      expect(decoded).toEqual(original);
    }), { numRuns: 500 });
  });
});

describe('over HTTP, through the dev server (property)', () => {
  let stack: Stack;
  let turn = 0;
  /** A fresh source address per request, so the per-IP rate limit never answers instead. */
  const nextIp = (): string => `127.0.${9 + Math.floor(turn / 250)}.${(turn++ % 250) + 1}`;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  // Characters a client can put in a request target without Node refusing to send it.
  const pathChar = fc.constantFrom(...'abcxyzABZ0129._-~/%*?[]:@!$&\'()+,;=éß'.split(''), '%2e', '%2f', '%00', '%5c', '..', '//');
  const requestTarget = fc.tuple(fc.constantFrom('marketing', 'api', 'gen', 'Marketing', 'nope', '..'), fc.array(pathChar, { maxLength: 30 }))
    .map(([surface, parts]) => `/c/${surface}/${parts.join('')}`);

  // Printable ASCII: what a client can send in a header value.
  const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 });
  const readHeaders = fc.record({
    'accept-language': headerValue, accept: headerValue, 'if-none-match': headerValue, 'x-api-key': headerValue,
  }, { requiredKeys: [] });

  it('never answers 5xx to any request path, query or header; every 4xx is JSON; every key written follows the grammar', async () => {
    await fc.assert(fc.asyncProperty(requestTarget, readHeaders, async (target, headers) => {
      const res = await send(`${stack.url}${encodeURI(target).replace(/%25/g, '%')}`, { ip: nextIp(), headers });
      expect({ target, status: res.status }).toEqual({ target, status: expect.any(Number) });
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expect(res.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 150) });
    const keys = Object.keys(await snapshot(stack.cacheDb));
    expect(keys.filter((k) => !KEY_GRAMMAR.test(k))).toEqual([]);
  });

  it('serves any garbage found where an entry should be as a MISS from the origin and replaces it', async () => {
    const t = stack.target('marketing', 'fuzzed');
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 2 })), async (garbage) => {
      await stack.cacheDb.set(t.key, garbage);
      const res = await send(`${stack.url}/c/marketing/fuzzed`, { ip: nextIp() });
      expect(res.status).toBe(200);
      expect(res.headers['x-cache']).toBe('MISS');
      // The corrupt entry is gone and a valid one took its place.
      const stored = await stack.cacheDb.get(t.key);
      expect(stored).not.toBeNull();
      expect(() => decodeEnvelope(stored as string)).not.toThrow();
    }), { numRuns: 40 });
  });
});
