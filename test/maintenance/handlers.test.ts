/**
 * The warmup and audit Lambda handlers end to end: environment variables in, real clients to the
 * local Upstash servers, metrics flushed to the guardrails database and rendered for Prometheus.
 * The Upstash Developer API is replaced by the stats fixture file (`UPSTASH_STATS_SOURCE`).
 */
import { join } from 'node:path';
import { WARMUP_MANIFESTS } from '../../config/warmup-manifest';
import { AuditInputError, createAuditFunction, parseAuditEvent } from '../../lambdas/audit/handler';
import { renderMetrics } from '../../lambdas/shared/metrics/render';
import { createWarmupFunction } from '../../lambdas/warmup/handler';
import { JobFailedError } from '../../lambdas/maintenance/job-failed-error';
import { useLocalStack } from '../support/local-stack';
import { captureLogs } from '../support/captured-logs';

const FIXTURE = join(__dirname, '..', 'fixtures', 'upstash-stats.json');
const local = useLocalStack();

const env = (): NodeJS.ProcessEnv => local.functionEnv({ marketing: '/m', api: '/a' }, { UPSTASH_STATS_SOURCE: FIXTURE });

beforeEach(() => local.reset());

test('the warmup function warms the dev manifest, answers its report and flushes its metrics', async () => {
  const run = await createWarmupFunction({ env: env() });
  const logged = captureLogs();
  try {
    const report = await run();
    const n = WARMUP_MANIFESTS.dev.targets.length;
    expect(report).toMatchObject({ job: 'warmup', status: 'completed', env: 'dev', total: n, warmed: n });
    expect(local.origin.requests()).toBe(n);
    expect(local.origin.log().every((r) => r.path.startsWith('/m/') || r.path.startsWith('/a/'))).toBe(true);
    expect(logged.lines()).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'warmup finished', warmed: n, service: 'cache-platform-warmup' }));
  } finally {
    logged.restore();
  }
  const text = await renderMetrics(local.guardrails.redis);
  expect(text).toMatch(/cache_warmup_entries_total\{[^}]*namespace="marketing"[^}]*outcome="warmed"[^}]*\} 5/);
  expect(text).toMatch(/cache_job_runs_total\{[^}]*job="warmup"[^}]*outcome="success"[^}]*\} 1/);
});

test('the audit function reads the quota from the stats source and records the ratio', async () => {
  await local.cache.redis.set('dev:marketing:home:default', 'not an envelope', { ex: 600 });
  const run = await createAuditFunction({ env: env() });
  const logged = captureLogs();
  try {
    const report = await run({}, { getRemainingTimeInMillis: () => 120_000 });
    expect(report).toMatchObject({ job: 'audit', status: 'completed', scanned: 1, budgetMs: 90_000 });
    expect(report.findings.corrupt.fixed).toBe(1);
    expect(report.quota.source).toBe(`file:${FIXTURE}`);
  } finally {
    logged.restore();
  }
  const text = await renderMetrics(local.guardrails.redis);
  expect(text).toMatch(/upstash_monthly_quota_ratio\{[^}]*database="cache"[^}]*\} 0\.6123456\b/);
  // The memory alert's denominator comes from the typed config (dev: 256 MiB).
  expect(text).toMatch(new RegExp(`^memory_budget_bytes{database="cache"} ${256 * 1024 * 1024}$`, 'm'));
  expect(text).toMatch(/cache_audit_findings_total\{reason="corrupt",outcome="fixed"\} 1/);
});

test('a failed audit throws after logging its report, so the scheduler retries', async () => {
  const run = await createAuditFunction({ env: { ...env(), UPSTASH_STATS_SOURCE: '/nonexistent/{database}.json' } });
  const logged = captureLogs();
  try {
    await expect(run({ dryRun: true })).rejects.toThrow(JobFailedError);
    expect(logged.lines()).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'audit finished', status: 'failed', dryRun: true }));
  } finally {
    logged.restore();
  }
});

test('the audit event is validated', () => {
  expect(parseAuditEvent({})).toEqual({});
  expect(parseAuditEvent({ dryRun: true, budgetSeconds: 30, 'detail-type': 'Scheduled Event' })).toEqual({ dryRun: true, budgetSeconds: 30 });
  expect(() => parseAuditEvent({ dryrun: true })).toThrow(/unknown event field "dryrun"/);
  expect(() => parseAuditEvent({ budgetSeconds: -1 })).toThrow(AuditInputError);
  expect(() => parseAuditEvent('go')).toThrow(/must be a JSON object/);
});
