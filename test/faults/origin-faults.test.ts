/**
 * Origin faults (see `scenarios.ts`): failing (500), too slow (past the surface's origin timeout),
 * resetting the connection, and answering a body over `maxItemBytes`. A stale copy is served when
 * one exists; without one the answer is the contract's 502 JSON; failures and oversize bodies are
 * never cached.
 */
import { runOriginFaults, type OriginFaultFigures, type OriginStep } from './scenarios';

let figures: OriginFaultFigures;
const step = (name: string): OriginStep => {
  const found = figures.steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step "${name}"`);
  return found;
};

beforeAll(async () => {
  figures = await runOriginFaults();
}, 60_000);

it('serves the stale copy when the origin fails, stalls or resets, and never a 5xx while one exists', () => {
  for (const name of ['origin 500, stale copy', 'origin too slow, stale copy', 'origin resets, stale copy']) {
    expect(step(name)).toMatchObject({ hadStale: true, status: 200, xcache: 'STALE' });
  }
  expect(figures.staleServed).toBe(3);
  expect(figures.fiveXxWithStale).toBe(0);
});

it('answers 502 origin_unavailable when nothing is cached, and does not cache the failure', () => {
  for (const name of ['origin 500, nothing cached', 'origin 500 again, nothing cached', 'origin too slow, nothing cached', 'origin resets, nothing cached']) {
    expect(step(name)).toMatchObject({ hadStale: false, status: 502, error: 'origin_unavailable', storedAfter: false });
  }
  // Not cached: the second request went to the origin again.
  expect(step('origin 500 again, nothing cached').originCalls).toBe(2);
});

it('gives up on a slow origin at its timeout instead of hanging', () => {
  for (const name of ['origin too slow, stale copy', 'origin too slow, nothing cached']) {
    expect(step(name).ms).toBeGreaterThanOrEqual(figures.originTimeoutMs - 50);
    expect(step(name).ms).toBeLessThan(figures.originTimeoutMs + 1000);
  }
});

it('serves an oversize body in full but does not store it', () => {
  const first = step('origin oversize body');
  const again = step('origin oversize body again');
  expect(first).toMatchObject({ status: 200, xcache: 'MISS', bodyBytes: figures.oversizeBytes, storedAfter: false });
  expect(again).toMatchObject({ status: 200, xcache: 'MISS', bodyBytes: figures.oversizeBytes, storedAfter: false, originCalls: 2 });
});

it('refreshes the stale copy once the origin is back', () => {
  expect(step('origin back, stale copy refreshed')).toMatchObject({ status: 200, xcache: 'MISS', storedAfter: true });
  expect(step('origin back, now cached')).toMatchObject({ status: 200, xcache: 'HIT' });
});
