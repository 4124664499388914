import type { CounterName, GaugeName, HistogramName, Labels } from './catalog';

/**
 * What runtime code records metrics through. Implementations aggregate per instance; the
 * observability issue adds the flush to the guardrails database and the `/metrics` renderer.
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
