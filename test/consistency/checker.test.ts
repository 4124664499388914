/**
 * Each check of the consistency checker catches a crafted violating history and accepts the
 * correct ones around it; the shrinker reduces a long failing history to the operations that matter.
 */
import { checkBodies, checkBypass, checkHistory, checkInvalidations, checkNo5xx } from './checker';
import { bodyVersion, formatHistory, originBody, type History, type Operation, type ReadOp } from './history';
import { SeededRandom } from './random';
import { shrinkHistory } from './shrink';

const P = 'marketing/blog';
let nextId = 0;
const history = (...operations: Operation[]): History => ({ seed: 1, operations, propagationBoundMs: 1000 });
const write = (at: number, version: number, path = P): Operation => ({ kind: 'write', id: nextId++, start: at, end: at, path, version });
const invalidate = (start: number, end: number, acked = true, covers = [P]): Operation =>
  ({ kind: 'invalidate', id: nextId++, start, end, how: 'keys', covers, acked, detail: 'test' });
const bypass = (start: number, end: number, enabled: boolean, acked = true, ttlSeconds = 60): Operation =>
  ({ kind: 'bypass', id: nextId++, start, end, surface: 'marketing', enabled, ttlSeconds, acked });
function read(start: number, end: number, version: number, xcache = 'HIT', extra: Partial<ReadOp> = {}): ReadOp {
  return { kind: 'read', id: nextId++, instance: 0, path: P, start, end, status: 200, xcache, body: originBody(extra.path ?? P, version), ...extra };
}

test('origin bodies carry their version and checksum', () => {
  expect(bodyVersion(P, originBody(P, 7))).toBe(7);
  expect(bodyVersion(P, originBody('api/plans', 7))).toBeUndefined();
  expect(bodyVersion(P, originBody(P, 7).replace('"version":7', '"version":8'))).toBeUndefined();
});

describe('stale-after-invalidation', () => {
  test('an old version after an acknowledged invalidation plus the bound is a violation', () => {
    const h = history(write(100, 2), invalidate(110, 120), read(1200, 1210, 1));
    expect(checkInvalidations(h)).toEqual([expect.objectContaining({ check: 'stale-after-invalidation', because: [expect.any(Number)] })]);
  });

  test('within the propagation bound, the old version is allowed', () => {
    expect(checkInvalidations(history(write(100, 2), invalidate(110, 120), read(900, 910, 1)))).toEqual([]);
  });

  test('a read that started before the acknowledgement may return the old version', () => {
    expect(checkInvalidations(history(write(100, 2), invalidate(110, 2000), read(1500, 2600, 1)))).toEqual([]);
  });

  test('an invalidation that was not acknowledged promises nothing', () => {
    expect(checkInvalidations(history(write(100, 2), invalidate(110, 120, false), read(5000, 5010, 1)))).toEqual([]);
  });

  test('only the version current when the invalidation started is required', () => {
    const h = history(invalidate(110, 120), write(130, 2), read(5000, 5010, 1), read(5000, 5010, 2));
    expect(checkInvalidations(h)).toEqual([]);
  });

  test('an invalidation of another path says nothing about this one', () => {
    expect(checkInvalidations(history(write(100, 2), invalidate(110, 120, true, ['api/plans']), read(5000, 5010, 1)))).toEqual([]);
  });
});

describe('foreign-body', () => {
  test('a corrupted body is a violation', () => {
    const r = read(0, 10, 1);
    const h = history({ ...r, body: `${r.body?.slice(0, -3)}xx"}` });
    expect(checkBodies(h)).toEqual([expect.objectContaining({ check: 'foreign-body', read: r.id })]);
  });

  test("another path's body is a violation", () => {
    expect(checkBodies(history({ ...read(0, 10, 1), body: originBody('api/plans', 1) }))).toHaveLength(1);
  });

  test('a version the origin had not produced when the read ended is a violation', () => {
    expect(checkBodies(history(write(500, 2), read(0, 10, 2)))).toHaveLength(1);
    expect(checkBodies(history(write(5, 2), read(0, 10, 2)))).toEqual([]);
  });
});

describe('cached-during-bypass', () => {
  test('a HIT while an acknowledged bypass is on is a violation; BYPASS answers are fine', () => {
    const h = history(bypass(0, 10, true), read(1100, 1110, 1, 'HIT'), read(1100, 1110, 1, 'BYPASS'), read(1100, 1110, 1, 'MISS'));
    expect(checkBypass(h).map((v) => v.check)).toEqual(['cached-during-bypass', 'cached-during-bypass']);
  });

  test('not after the bypass is switched off, nor once it expired, nor within the bound, nor when not acknowledged', () => {
    expect(checkBypass(history(bypass(0, 10, true), bypass(2000, 2010, false), read(2005, 2020, 1)))).toEqual([]);
    expect(checkBypass(history(bypass(0, 10, true, true, 2), read(2500, 2510, 1)))).toEqual([]);
    expect(checkBypass(history(bypass(0, 10, true), read(500, 510, 1)))).toEqual([]);
    expect(checkBypass(history(bypass(0, 10, true, false), read(1500, 1510, 1)))).toEqual([]);
  });
});

describe('read-5xx', () => {
  test('a 5xx or a thrown read is a violation; a 429 is not', () => {
    const h = history(read(0, 1, 1, 'MISS', { status: 502 }), read(0, 1, 1, 'MISS', { status: 0, error: 'boom' }), read(0, 1, 1, 'MISS', { status: 429 }));
    expect(checkNo5xx(h)).toHaveLength(2);
  });

  test('not on an instance while a freeze holds its origin answers', () => {
    const freeze: Operation = { kind: 'fault', id: nextId++, start: 0, end: 100, fault: 'instance-freeze', detail: '', instance: 0 };
    expect(checkNo5xx(history(freeze, read(50, 150, 1, 'MISS', { status: 502 })))).toEqual([]);
    expect(checkNo5xx(history(freeze, read(50, 150, 1, 'MISS', { status: 502, instance: 1 })))).toHaveLength(1);
    expect(checkNo5xx(history(freeze, read(200, 250, 1, 'MISS', { status: 502 })))).toHaveLength(1);
  });
});

test('a correct history has no violation', () => {
  const h = history(read(0, 5, 1, 'MISS'), write(100, 2), invalidate(110, 120), read(130, 140, 1), read(1200, 1210, 2, 'MISS'),
    bypass(1300, 1310, true), read(2400, 2410, 2, 'BYPASS'), bypass(2500, 2510, false), read(2600, 2610, 2));
  expect(checkHistory(h)).toEqual([]);
});

test('shrinking keeps the violating read, the invalidation and the write, and drops the noise', () => {
  const random = new SeededRandom(7);
  const ops: Operation[] = [];
  let version = 1;
  for (let t = 0; t < 20_000; t += 10) {
    const path = random.pick([P, 'api/plans', 'marketing/about']);
    if (random.chance(0.05)) {
      if (path === P) version += 1;
      ops.push(write(t, path === P ? version : 1 + ops.length, path), invalidate(t + 1, t + 3, true, [path]));
    } else {
      ops.push(read(t, t + 2, path === P ? version : 1, 'HIT', { path, body: originBody(path, 1) }));
    }
  }
  const bad = read(20_000, 20_005, 1);
  const h = history(...ops.filter((o) => o.kind !== 'write' || o.path === P), bad);
  const violation = checkHistory(h).find((v) => v.read === bad.id);
  expect(violation?.check).toBe('stale-after-invalidation');
  const small = shrinkHistory(h, violation!);
  expect(small.operations.length).toBeLessThanOrEqual(3);
  expect(small.operations.map((o) => o.kind).sort()).toEqual(['invalidate', 'read', 'write']);
  expect(checkHistory(small).some((v) => v.read === bad.id)).toBe(true);
  expect(formatHistory(small.operations)).toMatch(/write marketing\/blog v\d+[\s\S]*invalidate[\s\S]*read marketing\/blog/);
});
