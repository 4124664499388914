/**
 * Redis-side faults under steady read load (see `scenarios.ts`): Redis killed and restarted, Redis
 * slowed past the 500 ms timeout by a delaying TCP proxy, the local Upstash-compatible server
 * answering 500s or garbage. Reads must never get a 5xx because of Redis, the platform must recover
 * by itself, and no admin request may be reported done while Redis could not do it. The recovery
 * bound here is generous (CI machines are slow); `npm run bench` records the measured times.
 */
import { REDIS_FAULTS, runRedisFault, type RedisFaultFigures } from './scenarios';

const RECOVERY_BOUND_MS = 10_000;

describe.each(REDIS_FAULTS.map((f, i) => [f, i] as const))('%s', (fault, i) => {
  let figures: RedisFaultFigures;
  beforeAll(async () => {
    figures = await runRedisFault(fault, { ipBlock: i + 1 });
  }, 60_000);

  it('serves every read, from the origin while Redis is unavailable: zero 5xx, no dropped request', () => {
    expect(figures.requestsDuringFault).toBeGreaterThan(10);
    expect(figures.read5xx).toBe(0);
    expect(figures.transportErrors).toBe(0);
    expect(figures.servedDuringFault.BYPASS).toBeGreaterThan(0);
    // Nothing can be served from Redis while it is unreachable.
    expect(figures.servedDuringFault.BYPASS).toBeGreaterThanOrEqual(figures.requestsDuringFault - 6);
  });

  it('recovers by itself: reads go through Redis again and /readyz turns 200', () => {
    expect(figures.recoverMs).not.toBeNull();
    expect(figures.recoverMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(figures.firstHitMs).not.toBeNull();
    expect(figures.served.HIT).toBeGreaterThan(figures.servedDuringFault.HIT);
    expect(figures.readyzDuringFault).toBe(503);
    expect(figures.readyzAfterRecovery).toBe(200);
  });

  it('reports no admin request done that Redis could not do (503), and the same request succeeds once recovered', () => {
    expect(figures.adminDuringFault).toHaveLength(4);
    for (const attempt of figures.adminDuringFault) {
      expect(attempt).toEqual({ what: attempt.what, status: 503, error: expect.stringMatching(/^(redis_unavailable|rate_limiter_unavailable)$/) });
    }
    expect(figures.adminClaimedDoneDuringFault).toBe(0);
    expect(figures.adminAfterRecovery).toBe(200);
  });

  if (fault === 'upstash-http500' || fault === 'upstash-garbage') {
    it('refuses invalidations at the cache database itself and leaves its generation where it was', () => {
      expect(figures.adminDuringFault.every((a) => a.error === 'redis_unavailable')).toBe(true);
      expect(figures.surfaceGenerationUnchangedByFailedBump).toBe(true);
    });
  }
});
