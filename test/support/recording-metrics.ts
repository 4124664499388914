import type { CounterName, GaugeName, HistogramName, Labels } from '../../contracts/metrics';
import type { MetricsRecorder } from '../../lambdas/shared/metrics/recorder';

/** Keeps every counter, gauge and observation in memory so tests can read what was recorded. */
export class RecordingMetrics implements MetricsRecorder {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly observations = new Map<string, number[]>();

  increment(name: CounterName, labels: Labels = {}, value = 1): void {
    const id = seriesId(name, labels);
    this.counters.set(id, (this.counters.get(id) ?? 0) + value);
  }

  observe(name: HistogramName, value: number, labels: Labels = {}): void {
    const id = seriesId(name, labels);
    this.observations.set(id, [...(this.observations.get(id) ?? []), value]);
  }

  setGauge(name: GaugeName, value: number, labels: Labels = {}): void {
    this.gauges.set(seriesId(name, labels), value);
  }

  counter(name: CounterName, labels: Labels = {}): number {
    return this.counters.get(seriesId(name, labels)) ?? 0;
  }

  gauge(name: GaugeName, labels: Labels = {}): number | undefined {
    return this.gauges.get(seriesId(name, labels));
  }

  observed(name: HistogramName, labels: Labels = {}): number[] {
    return this.observations.get(seriesId(name, labels)) ?? [];
  }
}

function seriesId(name: string, labels: Labels): string {
  const sorted = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  return `${name}{${sorted.join(',')}}`;
}
