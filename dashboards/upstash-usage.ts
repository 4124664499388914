import { DashboardBuilder, RowBuilder, type Dashboard, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { OBSERVABILITY as O } from '../alerts/config';
import { CACHE_DATABASES, cacheWrites, evictionRatio, increaseSum, rateSum } from '../alerts/queries';
import { ENV, RATE_WINDOW, stat, timeseries } from './panels';
import { environmentVariable, surfaceVariable } from './variables';

/**
 * Upstash usage, from the audit job's gauges (Upstash Developer API) and the clients' own request
 * counters. Upstash's hosted Prometheus endpoint is not scraped: its series would not carry our
 * `environment` label, and the audit gauges cover requests, bandwidth and storage.
 */
export function upstashUsageDashboard(opts: { uid: string; environment: string; prometheus: DataSourceRef }): Dashboard {
  const ds = opts.prometheus;
  const byDb = { by: ['database'], selector: ENV };
  return new DashboardBuilder(`Upstash usage (${opts.environment})`)
    .uid(opts.uid)
    .tags(['cache-platform', 'upstash', opts.environment])
    .refresh('5m')
    .time({ from: 'now-30d', to: 'now' })
    .timezone('utc')
    .withVariable(environmentVariable(ds, opts.environment))
    .withVariable(surfaceVariable(ds))
    .withRow(new RowBuilder('Monthly quota'))
    .withPanel(stat({
      title: 'Cache quota used', description: `Monthly requests over quota of each cache database (warning ${O.upstashQuotaWarning * 100} %, critical ${O.upstashQuotaCritical * 100} %).`,
      unit: units.PercentUnit, ds, steps: [O.upstashQuotaWarning, O.upstashQuotaCritical], width: 12,
      target: { expr: `max by (database) (upstash_monthly_quota_ratio{${ENV},${CACHE_DATABASES}})`, legend: '{{database}}' },
    }))
    .withPanel(stat({
      title: 'Guardrails quota used', description: 'Monthly requests over quota of the guardrails database.',
      unit: units.PercentUnit, ds, steps: [O.upstashQuotaWarning, O.upstashQuotaCritical], width: 12,
      target: { expr: `max(upstash_monthly_quota_ratio{${ENV},database="guardrails"})`, legend: 'guardrails' },
    }))
    .withPanel(timeseries({
      title: 'Monthly requests vs quota', description: 'Requests this month (audit job) against the configured monthly quota.', unit: units.Short, ds,
      targets: [
        { expr: `max by (database) (upstash_monthly_requests{${ENV}})`, legend: '{{database}} requests' },
        { expr: `max by (database) (upstash_monthly_request_quota{${ENV}})`, legend: '{{database}} quota' },
      ],
    }))
    .withPanel(timeseries({
      title: 'Requests to Upstash', description: 'REST requests the functions make, by database and outcome.', unit: units.RequestsPerSecond, ds,
      targets: [{ expr: rateSum('upstash_requests_total', { ...byDb, by: ['database', 'outcome'], window: RATE_WINDOW }), legend: '{{database}} {{outcome}}' }],
    }))
    .withRow(new RowBuilder('Bandwidth and storage'))
    .withPanel(timeseries({
      title: 'Monthly bandwidth', description: 'Bandwidth used this month (audit job).', unit: units.BytesIEC, ds,
      targets: [{ expr: `max by (database) (upstash_monthly_bandwidth_bytes{${ENV}})`, legend: '{{database}}' }],
    }))
    .withPanel(timeseries({
      title: 'Storage', description: 'Data size per database (audit job).', unit: units.BytesIEC, ds,
      targets: [{ expr: `max by (database) (upstash_storage_bytes{${ENV}})`, legend: '{{database}}' }],
    }))
    .withPanel(timeseries({
      title: 'Cache memory vs budget', description: 'Memory used by each cache database against its budget (alert above 80 %).', unit: units.BytesIEC, ds,
      targets: [
        { expr: `max by (database) (cache_memory_bytes{${ENV}})`, legend: '{{database}} used' },
        { expr: `max by (database) (memory_budget_bytes{${ENV}})`, legend: '{{database}} budget' },
      ],
    }))
    .withRow(new RowBuilder('Evictions and entries'))
    .withPanel(stat({
      title: 'Evicted share of writes', description: `Keys each cache database evicted over the keys the platform wrote to it, last day (alert above ${O.evictionRatio * 100} %).`,
      unit: units.PercentUnit, ds, steps: [O.evictionRatio, O.evictionRatio * 2], width: 8,
      target: { expr: evictionRatio({ by: [], selector: ENV, window: '1d' }), legend: '{{database}} evicted / written' },
    }))
    .withPanel(timeseries({
      title: 'Evicted keys vs writes', description: 'Per day: keys each cache database evicted (INFO evicted_keys, audit job) and entries written.', unit: units.Short, ds, width: 16,
      targets: [
        { expr: increaseSum('upstash_evicted_keys', { by: ['database'], selector: `${ENV},${CACHE_DATABASES}`, window: '1d' }), legend: '{{database}} evicted' },
        { expr: cacheWrites({ by: [], selector: ENV, window: '1d' }), legend: '{{database}} written' },
      ],
    }))
    .withPanel(timeseries({
      title: 'Entries per surface', description: 'Live cache entries per surface over the last complete audit pass.', unit: units.Short, ds,
      targets: [{ expr: `max by (namespace) (cache_entries{${ENV},namespace=~"$surface"})`, legend: '{{namespace}}' }],
    }))
    .withPanel(timeseries({
      title: 'Payload bytes per surface', description: `Stored bytes of the live entries per surface (audit); alert when the average entry passes ${O.averageEntryBytesWarning / 1024} KiB.`, unit: units.BytesIEC, ds,
      targets: [{ expr: `max by (namespace) (cache_payload_bytes{${ENV},namespace=~"$surface"})`, legend: '{{namespace}}' }],
    }))
    .withRow(new RowBuilder('Scheduled jobs'))
    .withPanel(timeseries({
      title: 'Job runs', description: 'Runs of the warmup, audit and rotation jobs per day, by outcome.', unit: units.Short, ds,
      targets: [{ expr: `sum by (job, outcome) (increase(cache_job_runs_total{${ENV}}[1d]))`, legend: '{{job}} {{outcome}}' }],
    }))
    .withPanel(timeseries({
      title: 'Time since last success', description: 'Seconds since the last successful run of each job (audit feeds this dashboard).', unit: units.DurationSeconds, ds,
      targets: [
        { expr: `time() - max by (job) (cache_job_last_success_timestamp_seconds{${ENV}})`, legend: '{{job}}' },
        { expr: `time() - max by (database) (cache_rotation_last_success_timestamp_seconds{${ENV}})`, legend: 'token rotation ({{database}})' },
      ],
    }))
    .build();
}
