import { recordRotationOutcome } from '../../lambdas/rotation/rotation-metrics';
import { renderMetrics } from '../../lambdas/shared/metrics/render';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

let upstash: TestUpstash;
beforeAll(async () => { upstash = await startTestUpstash(); });
afterAll(async () => { await upstash?.stop(); });
beforeEach(async () => { await upstash.flush(); });

describe('rotation metrics in the guardrails database', () => {
  it('records a finished rotation per database, which the overdue alert reads', async () => {
    expect(await recordRotationOutcome(upstash.redis, { ok: true, finished: true, database: 'guardrails' }, 1_700_000_000_000)).toBe(true);
    const text = await renderMetrics(upstash.redis);
    expect(text).toContain('cache_rotation_last_success_timestamp_seconds{database="guardrails"} 1700000000');
    expect(text).toContain('cache_job_last_success_timestamp_seconds{job="rotation"} 1700000000');
    expect(text).toContain('cache_job_runs_total{job="rotation",outcome="success"} 1');
  });

  it('records nothing for the intermediate steps of a rotation', async () => {
    expect(await recordRotationOutcome(upstash.redis, { ok: true, finished: false, database: 'cache' })).toBe(false);
    expect(await renderMetrics(upstash.redis)).not.toMatch(/^cache_rotation_last_success_timestamp_seconds/m);
  });

  it('records a failed step as a job failure without touching the last success', async () => {
    await recordRotationOutcome(upstash.redis, { ok: false }, 1_700_000_100_000);
    const text = await renderMetrics(upstash.redis);
    expect(text).toContain('cache_job_last_failure_timestamp_seconds{job="rotation"} 1700000100');
    expect(text).toContain('cache_job_runs_total{job="rotation",outcome="failure"} 1');
    expect(text).not.toMatch(/^cache_rotation_last_success_timestamp_seconds/m);
  });
});
