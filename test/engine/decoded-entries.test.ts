import { DecodedEntries } from '../../lambdas/engine/decoded-entries';
import { decodeEnvelope, encodeEnvelope } from '../../lambdas/engine/envelope';

const entry = (text: string) => {
  const { value } = encodeEnvelope({
    surfaceVersion: 1, storedAtMs: 1, ttlSeconds: 1, staleSeconds: 0, generations: { surface: '0', resource: '0' }, originMs: 0,
    payload: { status: 200, headers: {}, body: Buffer.from(text) },
  }, { compressAboveBytes: 1e9 });
  return { raw: value, env: decodeEnvelope(value) };
};

describe('DecodedEntries', () => {
  it('returns a decoded entry only for the exact stored string', () => {
    const memo = new DecodedEntries();
    const a = entry('a');
    memo.set('k', a.raw, a.env);
    expect(memo.get('k', a.raw)).toBe(a.env);
    expect(memo.get('k', entry('b').raw)).toBeUndefined();
    expect(memo.get('other', a.raw)).toBeUndefined();
    memo.delete('k');
    expect(memo.get('k', a.raw)).toBeUndefined();
  });

  it('stays within its byte budget, dropping the oldest first', () => {
    const memo = new DecodedEntries(20_000);
    const entries = Array.from({ length: 10 }, (_, i) => entry(String(i).repeat(1000)));
    entries.forEach((e, i) => memo.set(`k${i}`, e.raw, e.env));
    expect(memo.get('k0', entries[0]!.raw)).toBeUndefined();
    expect(memo.get('k9', entries[9]!.raw)).toBe(entries[9]!.env);
    const kept = entries.filter((e, i) => memo.get(`k${i}`, e.raw) !== undefined);
    expect(kept.reduce((n, e) => n + e.raw.length * 2 + e.env.payload.body.byteLength, 0)).toBeLessThanOrEqual(20_000);
  });
});
