import type { CounterName, GaugeName, HistogramName, Labels } from '../../contracts/metrics';
import type { MetricsRecorder } from '../../lambdas/shared/metrics/recorder';

/**
 * The one in-memory recorder of the tests: keeps every counter, gauge and observation so tests
 * can read what was recorded. Reads are typed by the catalog, so a misspelt metric name does not
 * compile (instead of reading 0).
 */
export class RecordingMetrics implements MetricsRecorder {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly observations = new Map<string, number[]>();
  private readonly counterLabels = new Map<string, { readonly name: string; readonly labels: Labels }>();

  increment(name: CounterName, labels: Labels = {}, value = 1): void {
    const id = seriesId(name, labels);
    this.counters.set(id, (this.counters.get(id) ?? 0) + value);
    this.counterLabels.set(id, { name, labels });
  }

  observe(name: HistogramName, value: number, labels: Labels = {}): void {
    const id = seriesId(name, labels);
    this.observations.set(id, [...(this.observations.get(id) ?? []), value]);
  }

  setGauge(name: GaugeName, value: number, labels: Labels = {}): void {
    this.gauges.set(seriesId(name, labels), value);
  }

  /** The counter's series with exactly these labels. */
  counter(name: CounterName, labels: Labels = {}): number {
    return this.counters.get(seriesId(name, labels)) ?? 0;
  }

  /** The sum of the counter's series whose labels include `matching` (e.g. every database's `outcome=unauthorized`). */
  counterTotal(name: CounterName, matching: Labels = {}): number {
    let total = 0;
    for (const [id, series] of this.counterLabels) {
      if (series.name === name && Object.entries(matching).every(([k, v]) => series.labels[k] === v)) total += this.counters.get(id) ?? 0;
    }
    return total;
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
