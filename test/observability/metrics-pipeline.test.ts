import { execFileSync } from 'node:child_process';
import { Redis } from '@upstash/redis';
import { DEFAULT_READ_POLICY } from '../../config';
import { RateLimiterManager } from '../../lambdas/guardrails/rate-limiter';
import { AggregatingMetricsRecorder } from '../../lambdas/shared/metrics/aggregating-recorder';
import { MetricLabelError } from '../../lambdas/shared/metrics/labels';
import { renderMetrics } from '../../lambdas/shared/metrics/render';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../support/prometheus-text';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

const ROUTE = '/c/{surface}/{path+}';

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`metric ${name} missing from /metrics`);
  return found;
}

function valueOf(f: MetricFamily, labels: Record<string, string>): number {
  return sampleValue([f], f.name, labels);
}

describe('metrics pipeline: per-instance aggregation, flush to guardrails, fleet-wide /metrics', () => {
  let upstash: TestUpstash;

  beforeAll(async () => {
    upstash = await startTestUpstash();
  });
  afterAll(async () => {
    await upstash.stop();
  });
  beforeEach(async () => {
    await upstash.flush();
    upstash.resetRequestCount();
  });

  it('adds up counters, histograms and gauges from several instances flushing to one Redis', async () => {
    const instances = [1, 2, 3].map(() => new AggregatingMetricsRecorder({ strictLabels: true }));
    const latencies = [0.0005, 0.003, 0.02, 0.2, 3, 42];
    instances.forEach((metrics, i) => {
      for (let n = 0; n <= i; n++) {
        metrics.increment('cache_hits_total', { namespace: 'marketing' }, 10);
        metrics.increment('cache_misses_total', { namespace: 'api' });
        metrics.increment('ratelimit_requests_total', { bucket: 'marketing', outcome: 'limited' }, 2);
      }
      for (const seconds of latencies) {
        metrics.observe('http_request_duration_seconds', seconds, { method: 'GET', route: ROUTE, status_code: '200' });
      }
      metrics.setGauge('upstash_monthly_quota_ratio', 0.1 * (i + 1), { database: 'cache' });
    });
    const results = await Promise.all(instances.map((m) => m.flush(upstash.redis)));
    expect(results.map((r) => r.status)).toEqual(['flushed', 'flushed', 'flushed']);

    const text = await renderMetrics(upstash.redis);
    const families = parsePrometheusText(text);
    // 1 + 2 + 3 loops across the three instances.
    expect(valueOf(family(families, 'cache_hits_total'), { namespace: 'marketing' })).toBe(60);
    expect(valueOf(family(families, 'cache_misses_total'), { namespace: 'api' })).toBe(6);
    expect(valueOf(family(families, 'ratelimit_requests_total'), { bucket: 'marketing', outcome: 'limited' })).toBe(12);
    // Gauges: last writer wins.
    expect(valueOf(family(families, 'upstash_monthly_quota_ratio'), { database: 'cache' })).toBeCloseTo(0.3);

    // Histogram series are checked as exact lines: the rendering itself is what is under test.
    expect(family(families, 'http_request_duration_seconds').type).toBe('histogram');
    const series = 'method="GET",route="/c/{surface}/{path+}",status_code="200"';
    const line = (suffix: string, value: number, le?: string): string =>
      `http_request_duration_seconds${suffix}{${series}${le ? `,le="${le}"` : ''}} ${value}\n`;
    // Cumulative: 0.0005 <= 0.001; 0.003 <= 0.005; 0.02 <= 0.025; 0.2 <= 0.25; 3 <= 5; 42 only in +Inf.
    for (const [le, count] of [['0.001', 3], ['0.005', 6], ['0.01', 6], ['0.025', 9], ['0.25', 12], ['5', 15], ['10', 15], ['+Inf', 18]] as const) {
      expect(text).toContain(line('_bucket', count, le));
    }
    expect(text).toContain(line('_count', 18));
    const sum = Number(new RegExp(`http_request_duration_seconds_sum\\{${series.replace(/[{}+]/g, '\\$&')}\\} (\\S+)`).exec(text)?.[1]);
    expect(sum).toBeCloseTo(3 * latencies.reduce((a, b) => a + b, 0), 6);
  });

  it('renders text that promtool accepts as Prometheus exposition format', async () => {
    const metrics = new AggregatingMetricsRecorder({ strictLabels: true });
    metrics.increment('cache_invalidations_total', { kind: 'surface' });
    metrics.observe('http_request_duration_seconds', 0.004, { method: 'POST', route: '/admin/invalidate', status_code: '202' });
    metrics.setGauge('cache_rotation_last_success_timestamp_seconds', 1_700_000_000, { database: 'cache' });
    await metrics.flush(upstash.redis);
    const text = await renderMetrics(upstash.redis);
    // `promtool check metrics` lints with Prometheus' own parser; it exits non-zero on a parse error.
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out).not.toMatch(/error/i);
    expect(text).toContain('cache_invalidations_total{kind="surface"} 1');
    expect(text).toContain('cache_rotation_last_success_timestamp_seconds{database="cache"} 1700000000');
  });

  it('piggybacks a due flush on a guardrails command issued in the same tick: one request', async () => {
    let now = 0;
    const metrics = new AggregatingMetricsRecorder({ clock: () => now, flushIntervalMs: 5_000 });
    metrics.increment('cache_hits_total', { namespace: 'marketing' });
    upstash.resetRequestCount();

    // Not due yet: nothing is sent, the other command goes alone.
    const [early] = await Promise.all([metrics.flushIfDue(upstash.redis), upstash.redis.incr('other')]);
    expect(early.status).toBe('skipped');
    expect(upstash.requestCount()).toBe(1);

    now = 5_000;
    upstash.resetRequestCount();
    const [due, counter] = await Promise.all([metrics.flushIfDue(upstash.redis), upstash.redis.incr('other')]);
    expect(due.status).toBe('flushed');
    expect(Number(counter)).toBe(2);
    expect(upstash.requestCount()).toBe(1);
    expect(await renderMetrics(upstash.redis)).toContain('cache_hits_total{namespace="marketing"} 1');
  });

  it('piggybacks on the real rate-limit check: decision and flush share one request', async () => {
    const metrics = new AggregatingMetricsRecorder({ flushIntervalMs: 0, strictLabels: true });
    const limiter = new RateLimiterManager({ redis: upstash.redis, env: 'dev', policies: { marketing: DEFAULT_READ_POLICY }, metrics });
    await limiter.limit('marketing', 'ip:203.0.113.9'); // loads the script (EVALSHA, then EVAL once)
    metrics.increment('cache_hits_total', { namespace: 'marketing' }, 4);
    upstash.resetRequestCount();
    const [decision, flushed] = await Promise.all([limiter.limit('marketing', 'ip:203.0.113.9'), metrics.flushIfDue(upstash.redis)]);
    expect(decision.outcome).toBe('allowed');
    expect(flushed.status).toBe('flushed');
    expect(upstash.requestCount()).toBe(1);
    expect(await renderMetrics(upstash.redis)).toContain('cache_hits_total{namespace="marketing"} 4');
  });

  it('never starts a second flush while one is in flight', async () => {
    let now = 10_000;
    const metrics = new AggregatingMetricsRecorder({ clock: () => now, flushIntervalMs: 0 });
    metrics.increment('cache_hits_total', { namespace: 'api' });
    const first = metrics.flushIfDue(upstash.redis);
    metrics.increment('cache_hits_total', { namespace: 'api' });
    expect(metrics.flushIfDue(upstash.redis)).toBe(first);
    await first;
    now += 1;
    // The sample recorded during the first flush, plus metrics_flushes_total, goes in the next.
    await metrics.flush(upstash.redis);
    expect(await renderMetrics(upstash.redis)).toContain('cache_hits_total{namespace="api"} 2');
  });

  it('drops a failed batch (at most once), counts the failure and never rejects', async () => {
    const failing = new Redis({ url: upstash.url, token: 'wrong-token', automaticDeserialization: false, enableTelemetry: false, retry: false });
    const metrics = new AggregatingMetricsRecorder({ strictLabels: true });
    metrics.increment('cache_hits_total', { namespace: 'marketing' }, 5);
    const result = await metrics.flush(failing);
    expect(result.status).toBe('failed');
    expect(metrics.pendingSeries).toBe(1); // only metrics_flushes_total{outcome="error"}
    await metrics.flush(upstash.redis);
    const text = await renderMetrics(upstash.redis);
    expect(text).not.toContain('cache_hits_total{namespace="marketing"}');
    expect(text).toContain('metrics_flushes_total{outcome="error"} 1');
  });

  it('works the same through a client with automatic deserialization (the default)', async () => {
    const client = new Redis({ url: upstash.url, token: upstash.token, enableTelemetry: false });
    const metrics = new AggregatingMetricsRecorder({ strictLabels: true });
    metrics.increment('cache_job_runs_total', { job: 'audit', outcome: 'success' }, 3);
    metrics.setGauge('cache_job_last_success_timestamp_seconds', 1_700_000_123, { job: 'audit' });
    expect((await metrics.flush(client)).status).toBe('flushed');
    const families = parsePrometheusText(await renderMetrics(client));
    expect(valueOf(family(families, 'cache_job_runs_total'), { job: 'audit', outcome: 'success' })).toBe(3);
    expect(valueOf(family(families, 'cache_job_last_success_timestamp_seconds'), { job: 'audit' })).toBe(1_700_000_123);
  });

  it('keeps label cardinality bounded: raw keys, IPs and paths are refused', () => {
    const strict = new AggregatingMetricsRecorder({ strictLabels: true });
    expect(() => strict.increment('cache_hits_total', { namespace: 'prod:marketing:home:v1' })).toThrow(MetricLabelError);
    expect(() => strict.increment('ratelimit_requests_total', { bucket: '203.0.113.7', outcome: 'limited' })).toThrow(/bucket="203\.0\.113\.7" is not allowed/);
    expect(() => strict.observe('http_request_duration_seconds', 1, { method: 'GET', route: '/c/marketing/about', status_code: '200' }))
      .toThrow(/route/);
    expect(() => strict.increment('cache_hits_total', { namespace: 'api', ip: '10.0.0.1' })).toThrow(/unknown label "ip"/);
    expect(() => strict.increment('cache_hits_total', {})).toThrow(/missing label "namespace"/);
    expect(() => strict.increment('cache_hits_total', { namespace: 'api' }, -1)).toThrow(/only grows/);
  });

  it('records a bad label as "invalid" and counts it, instead of failing the request', async () => {
    const lenient = new AggregatingMetricsRecorder();
    lenient.increment('cache_hits_total', { namespace: '198.51.100.4' });
    lenient.increment('cache_hits_total', { namespace: 'api' });
    await lenient.flush(upstash.redis);
    const families = parsePrometheusText(await renderMetrics(upstash.redis));
    expect(valueOf(family(families, 'cache_hits_total'), { namespace: 'invalid' })).toBe(1);
    expect(valueOf(family(families, 'cache_hits_total'), { namespace: 'api' })).toBe(1);
    expect(valueOf(family(families, 'metrics_invalid_labels_total'), { metric: 'cache_hits_total' })).toBe(1);
    expect(JSON.stringify(families)).not.toContain('198.51.100.4');
  });
});
