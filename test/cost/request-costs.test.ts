/**
 * The commands each kind of request sends to Upstash, measured on real Redis behind the local
 * Upstash servers with the functions in their default configuration, are the ones the capacity
 * model prices (`cost/request-profile.ts`); and a marketing hit costs at most 1.1 billed commands
 * with everything counted.
 */
import { measureRequestCosts, type RequestCostsResult } from '../../bench/request-costs';
import { REQUEST_KIND_NAMES } from '../../cost/request-kinds';
import { APPROXIMATE_KINDS, REQUEST_PROFILE } from '../../cost/request-profile';

let result: RequestCostsResult;

beforeAll(async () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    result = await measureRequestCosts({ samples: 5, defaultHits: 200, defaultHitRate: 400 });
  } finally {
    log.mockRestore();
  }
}, 120_000);

test.each(REQUEST_KIND_NAMES.filter((k) => !APPROXIMATE_KINDS.includes(k)))('%s sends the commands of the profile', (kind) => {
  const measured = result.kinds[kind];
  expect({ cache: measured.cache, guardrails: measured.guardrails }).toEqual(REQUEST_PROFILE[kind]);
});

test.each(APPROXIMATE_KINDS)('%s stays within a quarter of the profile', (kind) => {
  const measured = result.kinds[kind];
  const expected = REQUEST_PROFILE[kind];
  expect(Math.abs(measured.cache + measured.guardrails - (expected.cache + expected.guardrails)))
    .toBeLessThanOrEqual((expected.cache + expected.guardrails) / 4);
});

test('a marketing hit is one MGET and costs at most 1.1 billed commands with flushes and popularity counted', () => {
  expect(result.kinds.hit.byCommand).toEqual({ MGET: 1 });
  expect(result.kinds.hit.upstashRequests).toBe(1);
  expect(result.defaultHitRun.billedPerHit).toBeLessThanOrEqual(1.1);
});
