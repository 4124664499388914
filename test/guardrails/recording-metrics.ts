import type { CounterName, GaugeName, HistogramName, Labels } from '../../lambdas/shared/metrics/catalog';
import type { MetricsRecorder } from '../../lambdas/shared/metrics/recorder';

/** Keeps every counter and gauge in memory so tests can read what the guardrails recorded. */
export class RecordingMetrics implements MetricsRecorder {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();

  increment(name: CounterName, labels: Labels = {}, value = 1): void {
    const id = seriesId(name, labels);
    this.counters.set(id, (this.counters.get(id) ?? 0) + value);
  }

  observe(_name: HistogramName, _value: number, _labels?: Labels): void {}

  setGauge(name: GaugeName, value: number, labels: Labels = {}): void {
    this.gauges.set(seriesId(name, labels), value);
  }

  counter(name: CounterName, labels: Labels = {}): number {
    return this.counters.get(seriesId(name, labels)) ?? 0;
  }

  gauge(name: GaugeName, labels: Labels = {}): number | undefined {
    return this.gauges.get(seriesId(name, labels));
  }
}

function seriesId(name: string, labels: Labels): string {
  const sorted = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  return `${name}{${sorted.join(',')}}`;
}
