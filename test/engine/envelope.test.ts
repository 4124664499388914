import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import {
  CorruptEntryError, ENVELOPE_SCHEMA_VERSION, decodeEnvelope, encodeEnvelope, type EnvelopeInput,
} from '../../lambdas/engine/envelope';

const input = (body: Uint8Array, headers: Record<string, string> = { 'content-type': 'text/html' }): EnvelopeInput => ({
  surfaceVersion: 3,
  storedAtMs: 1_700_000_000_000,
  ttlSeconds: 300,
  staleSeconds: 60,
  generations: { surface: 'lx1-abc', resource: '0' },
  originMs: 42,
  payload: { status: 200, headers, body },
});

describe('envelope', () => {
  it('round-trips every field and the body byte for byte', () => {
    const body = randomBytes(5000);
    const { value, envelope } = encodeEnvelope(input(body));
    const decoded = decodeEnvelope(value);
    expect(Buffer.from(decoded.payload.body).equals(body)).toBe(true);
    expect(decoded).toMatchObject({
      schemaVersion: ENVELOPE_SCHEMA_VERSION, surfaceVersion: 3, storedAtMs: 1_700_000_000_000, ttlSeconds: 300,
      staleSeconds: 60, generations: { surface: 'lx1-abc', resource: '0' }, originMs: 42, etag: envelope.etag,
    });
    expect(decoded.checksum).toMatch(/^sha256-[A-Za-z0-9+/]+=*$/);
    expect(decoded.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
  });

  it('compresses bodies above the threshold only when that saves bytes', () => {
    const text = Buffer.from('<p>hello</p>'.repeat(1000));
    const compressed = encodeEnvelope(input(text), { compressAboveBytes: 1024 });
    expect(compressed.envelope.encoding).toBe('br');
    expect(compressed.value.length).toBeLessThan(text.length / 4);
    expect(Buffer.from(decodeEnvelope(compressed.value).payload.body).equals(text)).toBe(true);
    const gz = encodeEnvelope(input(text), { compressAboveBytes: 1024, compression: 'gzip' });
    expect(gz.envelope.encoding).toBe('gzip');
    expect(Buffer.from(decodeEnvelope(gz.value).payload.body).equals(text)).toBe(true);
    expect(encodeEnvelope(input(Buffer.from('small'))).envelope.encoding).toBe('identity');
    expect(encodeEnvelope(input(randomBytes(4096))).envelope.encoding).toBe('identity');
  });

  it('round-trips any payload (property)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 3000 }),
      fc.integer({ min: 100, max: 599 }),
      fc.dictionary(fc.constantFrom('content-type', 'content-language', 'last-modified'), fc.string({ maxLength: 30 })),
      fc.constantFrom<'br' | 'gzip'>('br', 'gzip'),
      (body, status, headers, compression) => {
        const { value } = encodeEnvelope({ ...input(body, headers), payload: { status, headers, body } }, { compressAboveBytes: 64, compression });
        const d = decodeEnvelope(value);
        expect(Buffer.from(d.payload.body).equals(Buffer.from(body))).toBe(true);
        expect(d.payload.status).toBe(status);
        expect(d.payload.headers).toEqual(headers);
      }));
  });

  it('detects any single changed character of a stored entry (property)', () => {
    const { value } = encodeEnvelope(input(Buffer.from('{"a":1,"b":"two"}'), { 'content-type': 'application/json' }));
    fc.assert(fc.property(fc.nat({ max: value.length - 1 }), fc.constantFrom(...'A0{}":,x9/+='.split('')), (i, c) => {
      fc.pre(value[i] !== c);
      const corrupted = value.slice(0, i) + c + value.slice(i + 1);
      let decoded: ReturnType<typeof decodeEnvelope> | undefined;
      try {
        decoded = decodeEnvelope(corrupted);
      } catch (e) {
        expect(e).toBeInstanceOf(CorruptEntryError);
        return;
      }
      // A change JSON parsing undoes (e.g. inside the key order) must still yield the exact original.
      expect(decoded).toEqual(decodeEnvelope(value));
    }), { numRuns: 500 });
  });

  it('rejects garbage and other schema versions with CorruptEntryError', () => {
    expect(() => decodeEnvelope('not json')).toThrow(CorruptEntryError);
    expect(() => decodeEnvelope('null')).toThrow(CorruptEntryError);
    expect(() => decodeEnvelope('{"schema":1}')).toThrow(/unparseable/);
    const { value } = encodeEnvelope(input(Buffer.from('x')));
    const other = JSON.stringify({ ...JSON.parse(value), schema: 99 });
    expect(() => decodeEnvelope(other)).toThrow(expect.objectContaining({ reason: 'schema' }));
    const swapped = JSON.stringify({ ...JSON.parse(value), body: Buffer.from('y').toString('base64') });
    expect(() => decodeEnvelope(swapped)).toThrow(expect.objectContaining({ reason: 'checksum' }));
  });
});
