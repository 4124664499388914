/** `docs/capacity.md` is the rendering of the capacity model: stale output fails here. */
import { readFileSync } from 'node:fs';
import { environment } from '../../config/environments';
import { bindingLimits, capacity, dollarsPerMillion } from '../../cost/capacity-model';
import { CAPACITY_DOC, renderCapacity } from '../../cost/render-capacity';

test('docs/capacity.md is up to date (npm run render:capacity)', () => {
  expect(readFileSync(CAPACITY_DOC, 'utf8')).toBe(renderCapacity());
});

test('a marketing hit costs one command, $2 per million for Upstash at the list price', () => {
  expect(dollarsPerMillion('hit', environment('prod')).upstash).toBeCloseTo(2, 6);
});

test('the model scales linearly with the rate and binds the prod stage throttle first', () => {
  const prod = environment('prod');
  const one = capacity({ requestsPerSecond: 100, hitRatio: 0.9, pageBytes: 10_000 }, prod);
  const ten = capacity({ requestsPerSecond: 1000, hitRatio: 0.9, pageBytes: 10_000 }, prod);
  expect(ten.cache.commandsPerSecond).toBeCloseTo(one.cache.commandsPerSecond * 10, 6);
  // 90 hits at 1 command + 10 misses at 5.
  expect(one.cache.commandsPerSecond).toBeCloseTo(140, 6);
  expect(bindingLimits({ hitRatio: 0.9, pageBytes: 10_000 }, prod)[0]?.limit).toMatch(/stage throttle of prod: 2,000 rps/);
});
