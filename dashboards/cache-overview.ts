import { DashboardBuilder, RowBuilder, type Dashboard, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { OBSERVABILITY as O } from '../alerts/config';
import { errorRatio, hitRatio, latencyQuantile, rateSum } from '../alerts/queries';
import { ENV, ENV_SURFACE, RATE_WINDOW, stat, timeseries } from './panels';
import { environmentVariable, surfaceVariable } from './variables';

const W = RATE_WINDOW;

/** Cache overview: hit rate, reads by outcome, origin calls, latency, errors, 429s, invalidations, backpressure, auth. */
export function cacheOverviewDashboard(opts: { uid: string; environment: string; prometheus: DataSourceRef }): Dashboard {
  const ds = opts.prometheus;
  const cacheRoute = `${ENV},route="${O.cacheRoute}"`;
  return new DashboardBuilder(`Cache overview (${opts.environment})`)
    .uid(opts.uid)
    .tags(['cache-platform', opts.environment])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .withVariable(environmentVariable(ds, opts.environment))
    .withVariable(surfaceVariable(ds))
    .withRow(new RowBuilder('Hit rate'))
    .withPanel(stat({
      title: 'Hit rate', description: 'Fresh hits over hits plus misses, selected surfaces (target ≥ 80 % on marketing).',
      unit: units.PercentUnit, ds, steps: [O.hitRateCritical, O.hitRateWarning], invert: true,
      target: { expr: hitRatio({ by: ['environment'], selector: ENV_SURFACE, window: W }), legend: 'hit rate' },
    }))
    .withPanel(stat({
      title: 'Error rate', description: 'Share of requests answered 5xx (alert above 5 %).',
      unit: units.PercentUnit, ds, steps: [0.01, O.errorRatio],
      target: { expr: errorRatio({ by: ['environment'], selector: ENV, window: W }), legend: 'errors' },
    }))
    .withPanel(stat({
      title: 'p95 latency', description: `p95 of ${O.cacheRoute} (alert above ${O.latencyP95Seconds * 1000} ms).`,
      unit: units.Seconds, ds, steps: [O.latencyP95Seconds / 2, O.latencyP95Seconds],
      target: { expr: latencyQuantile(0.95, { by: ['environment'], selector: cacheRoute, window: W }), legend: 'p95' },
    }))
    .withPanel(stat({
      title: 'In flight vs MAX_INFLIGHT', description: 'Requests in flight on the last instance to flush, over its limit.',
      unit: units.PercentUnit, ds, steps: [0.6, 0.8],
      target: { expr: `max by (environment) (http_active_requests{${ENV}}) / max by (environment) (max_inflight_requests{${ENV}})`, legend: 'in flight' },
    }))
    .withPanel(timeseries({
      title: 'Hit rate per surface', description: 'Fresh hits over hits plus misses, per surface.', unit: units.PercentUnit, ds,
      targets: [{ expr: hitRatio({ by: ['namespace'], selector: ENV_SURFACE, window: W }), legend: '{{namespace}}' }],
    }))
    .withPanel(timeseries({
      title: 'Reads by outcome', description: 'Hits, misses, stale serves and bypasses per second.', unit: units.RequestsPerSecond, ds,
      targets: [
        { expr: rateSum('cache_hits_total', { by: ['namespace'], selector: ENV_SURFACE, window: W }), legend: 'hit {{namespace}}' },
        { expr: rateSum('cache_misses_total', { by: ['namespace'], selector: ENV_SURFACE, window: W }), legend: 'miss {{namespace}}' },
        { expr: rateSum('cache_stale_served_total', { by: ['namespace'], selector: ENV_SURFACE, window: W }), legend: 'stale {{namespace}}' },
        { expr: rateSum('cache_bypass_total', { by: ['namespace', 'reason'], selector: ENV_SURFACE, window: W }), legend: 'bypass {{namespace}} ({{reason}})' },
      ],
    }))
    .withRow(new RowBuilder('Traffic and latency'))
    .withPanel(timeseries({
      title: 'Latency p50 / p95 / p99', description: `Latency of ${O.cacheRoute}.`, unit: units.Seconds, ds,
      targets: [0.5, 0.95, 0.99].map((q) => ({ expr: latencyQuantile(q, { by: [], selector: cacheRoute, window: W }), legend: `p${q * 100}` })),
    }))
    .withPanel(timeseries({
      title: 'Error rate', description: 'Share of requests answered 5xx, per route.', unit: units.PercentUnit, ds,
      targets: [{ expr: errorRatio({ by: ['route'], selector: ENV, window: W }), legend: '{{route}}' }],
    }))
    .withPanel(timeseries({
      title: 'Origin calls', description: 'Requests to origins per second, by outcome.', unit: units.RequestsPerSecond, ds,
      targets: [{ expr: rateSum('cache_origin_requests_total', { by: ['namespace', 'outcome'], selector: ENV_SURFACE, window: W }), legend: '{{namespace}} {{outcome}}' }],
    }))
    .withPanel(timeseries({
      title: 'Requests by route and status', description: 'Requests per second handled by the functions.', unit: units.RequestsPerSecond, ds,
      targets: [{ expr: rateSum('http_request_duration_seconds_count', { by: ['route', 'status_code'], selector: ENV, window: W }), legend: '{{route}} {{status_code}}' }],
    }))
    .withRow(new RowBuilder('Guardrails and operations'))
    .withPanel(timeseries({
      title: '429s by bucket', description: 'Rate-limited requests per second, per bucket.', unit: units.RequestsPerSecond, ds,
      targets: [{ expr: rateSum('ratelimit_requests_total', { by: ['bucket'], selector: `${ENV},outcome="limited"`, window: W }), legend: '{{bucket}}' }],
    }))
    .withPanel(timeseries({
      title: 'Invalidations by kind', description: 'Invalidations per second: keys, prefixes, events, surface and resource bumps.', unit: units.OpsPerSecond, ds,
      targets: [{ expr: rateSum('cache_invalidations_total', { by: ['kind'], selector: ENV, window: W }), legend: '{{kind}}' }],
    }))
    .withPanel(timeseries({
      title: 'Backpressure', description: '503s because MAX_INFLIGHT was reached, per route.', unit: units.RequestsPerSecond, ds,
      targets: [{ expr: rateSum('cache_backpressure_total', { by: ['route'], selector: ENV, window: W }), legend: '{{route}}' }],
    }))
    .withPanel(timeseries({
      title: 'Admin auth failures', description: 'Failed admin authentications per second, by reason.', unit: units.RequestsPerSecond, ds,
      targets: [{ expr: rateSum('cache_auth_failures_total', { by: ['reason'], selector: ENV, window: W }), legend: '{{reason}}' }],
    }))
    .withPanel(timeseries({
      title: 'Corrupt entries and evictions', description: 'Entries deleted by the platform per second.', unit: units.OpsPerSecond, ds,
      targets: [
        { expr: rateSum('cache_corrupt_entries_total', { by: ['namespace'], selector: ENV_SURFACE, window: W }), legend: 'corrupt {{namespace}}' },
        { expr: rateSum('cache_evictions_total', { by: ['namespace', 'reason'], selector: ENV_SURFACE, window: W }), legend: 'evicted {{namespace}} ({{reason}})' },
      ],
    }))
    .withPanel(timeseries({
      title: 'Metrics pipeline', description: 'Flushes of instance metrics to the guardrails database, and labels refused by the catalog.', unit: units.OpsPerSecond, ds,
      targets: [
        { expr: rateSum('metrics_flushes_total', { by: ['outcome'], selector: ENV, window: W }), legend: 'flush {{outcome}}' },
        { expr: rateSum('metrics_invalid_labels_total', { by: ['metric'], selector: ENV, window: W }), legend: 'invalid label {{metric}}' },
      ],
    }))
    .build();
}
