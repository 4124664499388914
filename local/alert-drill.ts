/**
 * A fire drill of the on-call path on real components: the dev server (real redis-server, local
 * Upstash servers, demo origin), the local monitoring stack (Prometheus with the shipped rules,
 * time-scaled; Alertmanager with the shipped routing tree; webhook receivers) and the Developer API
 * stand-in the audit reads its quota from. Faults are injected for real (the origin answers 503,
 * a client exhausts a rate limit, the quota crosses 55 % and 70 % through the audit, Redis stops)
 * and each drill records the alert's states in Prometheus and what the receivers got.
 * The end-to-end test (test/observability/alert-e2e.test.ts) and the bench use it.
 */
import { createAuditFunction, type AuditFunction } from '../lambdas/audit/handler';
import { DeveloperApiUsageSource } from '../lambdas/audit/upstash-usage';
import { environment } from '../config/environments';
import type { Receiver } from '../alerts/routing';
import { startDevServer, type DevServer } from './dev-server';
import { startDeveloperApi, type LocalDeveloperApi } from './developer-api';
import { startMonitoringStack, type MonitoringStack } from './monitoring-stack';
import type { ReceivedAlert } from './webhook-receiver';

export interface DrillStack {
  readonly dev: DevServer;
  readonly monitoring: MonitoringStack;
  readonly developerApi: LocalDeveloperApi;
  /** Runs the audit job once (its real code path: Developer API stats → gauges → guardrails). */
  runAudit(): ReturnType<AuditFunction>;
  /** Sets this month's requests of the cache database to `ratio` of its quota. */
  setCacheQuotaUse(ratio: number): void;
  close(): Promise<void>;
}

const DEVELOPER_API = { email: 'drill@example.com', apiKey: 'drill-api-key' };

export async function startDrillStack(opts: { timeScale: number; print?: (line: string) => void }): Promise<DrillStack> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    while (closers.length > 0) await closers.pop()?.().catch(() => undefined);
  };
  try {
    // Metrics flushed to the guardrails database every 250 ms so a scrape sees them at once.
    const dev = await startDevServer({ port: 0, env: { METRICS_FLUSH_INTERVAL_MS: '250' } });
    closers.push(() => dev.close());
    const developerApi = await startDeveloperApi({
      ...DEVELOPER_API,
      databases: [{ id: 'cache', server: dev.upstash.cache }, { id: 'guardrails', server: dev.upstash.guardrails }],
    });
    closers.push(() => developerApi.close());
    const audit = await createAuditFunction({
      env: {
        CACHE_ENV: 'dev',
        UPSTASH_REDIS_REST_URL: dev.upstash.cache.url, UPSTASH_REDIS_REST_TOKEN: dev.upstash.cache.token,
        UPSTASH_GUARDRAILS_REST_URL: dev.upstash.guardrails.url, UPSTASH_GUARDRAILS_REST_TOKEN: dev.upstash.guardrails.token,
      },
      usage: new DeveloperApiUsageSource({ credentials: async () => DEVELOPER_API, databaseIds: { cache: 'cache', guardrails: 'guardrails' }, baseUrl: developerApi.url }),
    });
    const monitoring = await startMonitoringStack({ metricsUrl: dev.url, metricsToken: dev.metricsToken, timeScale: opts.timeScale, print: opts.print });
    closers.push(() => monitoring.close());
    const quota = environment('dev').upstash.cache.monthlyRequestQuota;
    return {
      dev, monitoring, developerApi,
      runAudit: () => audit({ budgetSeconds: 30 }),
      setCacheQuotaUse: (ratio) => developerApi.setMonthlyRequests('cache', Math.round(ratio * quota)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Requests at a steady pace until stopped; counts answers by status. */
export function startTraffic(baseUrl: string, opts: { perSecond: number; path: (n: number) => string }): { statuses: Map<number, number>; stop(): Promise<void> } {
  const statuses = new Map<number, number>();
  const pending = new Set<Promise<void>>();
  let n = 0;
  const timer = setInterval(() => {
    const p = fetch(`${baseUrl}${opts.path(n++)}`, { signal: AbortSignal.timeout(10_000) })
      .then(async (r) => { await r.arrayBuffer(); statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1); }, () => undefined)
      .finally(() => pending.delete(p));
    pending.add(p);
  }, 1000 / opts.perSecond);
  return {
    statuses,
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

export type AlertState = 'pending' | 'firing';

async function prometheusQuery(m: MonitoringStack, path: string, params: Record<string, string>): Promise<{ metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[]> {
  const res = await fetch(`${m.prometheusUrl}${path}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`Prometheus ${path} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** The states `alert` went through between two instants, in order (from Prometheus's ALERTS series). */
export async function alertHistory(m: MonitoringStack, alert: string, fromMs: number, toMs: number): Promise<AlertState[]> {
  const series = await prometheusQuery(m, '/api/v1/query_range', {
    query: `ALERTS{alertname="${alert}"}`, start: String(fromMs / 1000), end: String(toMs / 1000), step: `${m.intervalSeconds}s`,
  });
  const samples = series.flatMap((s) => (s.values ?? []).map(([t]) => ({ t, state: s.metric.alertstate as AlertState })));
  samples.sort((a, b) => a.t - b.t || (a.state === 'pending' ? -1 : 1));
  return samples.map((s) => s.state).filter((s, i, all) => i === 0 || all[i - 1] !== s);
}

/** The alert's current state in Prometheus, or `inactive`. */
export async function alertState(m: MonitoringStack, alert: string): Promise<AlertState | 'inactive'> {
  const series = await prometheusQuery(m, '/api/v1/query', { query: `ALERTS{alertname="${alert}"}` });
  if (series.some((s) => s.metric.alertstate === 'firing')) return 'firing';
  return series.length > 0 ? 'pending' : 'inactive';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The first notification of `alert` with `status` that `receiver` got after `sinceMs`. */
export async function waitForNotification(m: MonitoringStack, receiver: Receiver, alert: string, status: ReceivedAlert['status'], sinceMs: number, timeoutMs: number): Promise<ReceivedAlert> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = m.receivers[receiver].alerts().find((a) => a.labels.alertname === alert && a.status === status && a.receivedAtMs >= sinceMs);
    if (got) return got;
    if (Date.now() > deadline) {
      const seen = Object.values(m.receivers).flatMap((r) => r.alerts()).map((a) => `${a.receiver}:${a.labels.alertname}:${a.status}`);
      throw new Error(`${receiver} got no ${status} ${alert} within ${timeoutMs} ms (state now ${await alertState(m, alert)}; notifications: ${seen.join(', ') || 'none'})`);
    }
    await sleep(100);
  }
}

export interface DrillResult {
  readonly alert: string;
  /** State before the fault (should be `inactive`). */
  readonly before: AlertState | 'inactive';
  /** States Prometheus recorded from the fault to the page. */
  readonly states: AlertState[];
  readonly page: ReceivedAlert;
  readonly resolved: ReceivedAlert;
  /** Fault injected → firing notification received. */
  readonly faultToPageMs: number;
  /** Fault removed → resolved notification received. */
  readonly healToResolvedMs: number;
}

/** Injects a fault, waits for the page, removes the fault, waits for the resolved notification. */
export async function drill(m: MonitoringStack, d: {
  alert: string; receiver: Receiver; inject: () => Promise<unknown>; heal: () => Promise<unknown>; timeoutMs: number;
}): Promise<DrillResult> {
  const before = await alertState(m, d.alert);
  const faultAt = Date.now();
  await d.inject();
  const page = await waitForNotification(m, d.receiver, d.alert, 'firing', faultAt, d.timeoutMs);
  // One more evaluation, so the range query's last step lies past the firing sample.
  await sleep(m.intervalSeconds * 1000);
  const states = await alertHistory(m, d.alert, faultAt, Date.now());
  const healAt = Date.now();
  await d.heal();
  const resolved = await waitForNotification(m, d.receiver, d.alert, 'resolved', healAt, d.timeoutMs);
  return { alert: d.alert, before, states, page, resolved, faultToPageMs: page.receivedAtMs - faultAt, healToResolvedMs: resolved.receivedAtMs - healAt };
}
