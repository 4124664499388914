import type { CounterName, GaugeName, HistogramName, Labels } from '../../../contracts/metrics';

/**
 * What runtime code records metrics through. `AggregatingMetricsRecorder` (aggregating-recorder.ts)
 * aggregates per instance and flushes to the guardrails database; `renderMetrics` (render.ts)
 * turns the fleet-wide totals into the `/metrics` answer. Names and labels: contracts/metrics.ts.
 */
export interface MetricsRecorder {
  increment(name: CounterName, labels?: Labels, value?: number): void;
  observe(name: HistogramName, value: number, labels?: Labels): void;
  setGauge(name: GaugeName, value: number, labels?: Labels): void;
}

/** Records nothing: for code paths and tests that do not look at metrics. */
export const NOOP_METRICS: MetricsRecorder = {
  increment: () => undefined,
  observe: () => undefined,
  setGauge: () => undefined,
};
