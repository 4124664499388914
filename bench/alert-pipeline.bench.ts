/**
 * Fault → page: how long the on-call path takes from a real fault to the receiver's notification,
 * and from the fix to the resolved notification, per alert, on the local monitoring stack
 * (local/alert-drill.ts: dev server, Prometheus with the shipped rules, Alertmanager with the
 * shipped routing, webhook receivers). Time runs 30 times faster than deployed (`for:`, windows,
 * scrape and evaluation intervals, Alertmanager timings all scaled by 1/30), so each figure is
 * also given at deployed scale (× 30). Run: `npx tsx bench/alert-pipeline.bench.ts`.
 */
import { startDrillStack } from '../local/alert-drill';
import { runAlertDrills } from '../local/alert-scenarios';

export const TIME_SCALE = 1 / 30;

export interface AlertPipelineFigure {
  readonly alert: string;
  readonly receiver: string;
  readonly severity: string;
  readonly faultToPageMs: number;
  readonly healToResolvedMs: number;
  /** The same at deployed timings (divided by the time scale). */
  readonly deployedFaultToPageSeconds: number;
}

export async function run(): Promise<{ timeScale: number; intervalSeconds: number; alerts: AlertPipelineFigure[] }> {
  const stack = await startDrillStack({ timeScale: TIME_SCALE });
  try {
    const results = await runAlertDrills(stack, { timeoutMs: 150_000 });
    return {
      timeScale: TIME_SCALE,
      intervalSeconds: stack.monitoring.intervalSeconds,
      alerts: results.map((r) => ({
        alert: r.alert,
        receiver: r.page.receiver,
        severity: r.page.labels.severity ?? '',
        faultToPageMs: r.faultToPageMs,
        healToResolvedMs: r.healToResolvedMs,
        deployedFaultToPageSeconds: Math.round(r.faultToPageMs / TIME_SCALE / 1000),
      })),
    };
  } finally {
    await stack.close();
  }
}

export function print(r: Awaited<ReturnType<typeof run>>): void {
  for (const a of r.alerts) {
    console.log(`${a.alert} (${a.severity} → ${a.receiver}): fault → page ${(a.faultToPageMs / 1000).toFixed(1)} s, `
      + `fix → resolved ${(a.healToResolvedMs / 1000).toFixed(1)} s at 1/30 time (≈ ${a.deployedFaultToPageSeconds} s deployed)`);
  }
}

if (require.main === module) void run().then(print);
