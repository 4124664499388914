import type { Redis } from '@upstash/redis';
import { METRICS, type CounterName, type GaugeName, type HistogramName, type Labels, type MetricName } from '../../../contracts/metrics';
import { FLUSH_SCRIPT } from './flush-script';
import { normalizeLabels } from './labels';
import { PendingBatch, type RankedKeyOptions } from './pending-batch';
import type { MetricsRecorder } from './recorder';
import { DEFAULT_METRICS_KEY_PREFIX, encodeField, metricKey } from './series-field';

/** What a flush needs from the guardrails client: one EVAL. */
export type MetricsFlushClient = Pick<Redis, 'eval'>;

export interface AggregatingMetricsRecorderOptions {
  /**
   * Minimum time between two flushes started by `flushIfDue`. It bounds what a frozen instance
   * that is never thawed can lose: the samples it recorded since its last flush.
   * @default 5000
   */
  readonly flushIntervalMs?: number;
  /** Prefix of the metric hashes in the guardrails database. @default 'metrics' */
  readonly keyPrefix?: string;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
  /**
   * Throw `MetricLabelError` on a label the catalog does not allow (tests, local dev) instead of
   * recording the sample under the value `invalid` and counting it.
   * @default false
   */
  readonly strictLabels?: boolean;
}

export type FlushResult =
  | { readonly status: 'skipped' }
  | { readonly status: 'flushed'; readonly series: number }
  | { readonly status: 'failed'; readonly series: number; readonly error: Error };

const SKIPPED: FlushResult = { status: 'skipped' };

/**
 * Aggregates metrics in memory per instance and writes the deltas to the guardrails database in
 * one EVAL, so `/metrics` can render fleet-wide totals.
 *
 * Piggybacking: `@upstash/redis` auto-pipelining batches commands issued in the same tick into one
 * `/pipeline` request. Call `flushIfDue(guardrails)` in the same synchronous block as another
 * guardrails command (e.g. next to the rate-limit check) and the flush adds no round trip.
 *
 * Lambda freezes after the response, so a handler awaits the promise `flushIfDue`/`flush` returned
 * before it answers: a flush is never left in flight. Loss is bounded: an instance that is frozen
 * and never thawed loses at most what it recorded in its last `flushIntervalMs`; one that thaws
 * flushes the older samples late. A failed flush drops its batch (at most once: a timed-out EVAL
 * may have been applied, and a retry would count twice) and counts `metrics_flushes_total{outcome="error"}`.
 */
export class AggregatingMetricsRecorder implements MetricsRecorder {
  private readonly intervalMs: number;
  private readonly prefix: string;
  private readonly clock: () => number;
  private readonly strict: boolean;
  private pending = new PendingBatch();
  private lastFlushAt: number;
  private inFlight: Promise<FlushResult> | undefined;

  constructor(options: AggregatingMetricsRecorderOptions = {}) {
    this.intervalMs = options.flushIntervalMs ?? 5_000;
    if (!Number.isFinite(this.intervalMs) || this.intervalMs < 0) {
      throw new Error(`flushIntervalMs must be a number >= 0, got ${options.flushIntervalMs}`);
    }
    this.prefix = options.keyPrefix ?? DEFAULT_METRICS_KEY_PREFIX;
    this.clock = options.clock ?? Date.now;
    this.strict = options.strictLabels ?? false;
    this.lastFlushAt = this.clock();
  }

  increment(name: CounterName, labels?: Labels, value = 1): void {
    if (!(Number.isFinite(value) && value >= 0)) {
      return this.rejectValue(name, `a counter only grows, got ${value}`);
    }
    this.pending.add(metricKey(this.prefix, name), encodeField('', this.labels(name, labels)), value);
  }

  observe(name: HistogramName, value: number, labels?: Labels): void {
    if (!Number.isFinite(value)) return this.rejectValue(name, `expected a finite observation, got ${value}`);
    const normalized = this.labels(name, labels);
    const key = metricKey(this.prefix, name);
    const bounds: readonly number[] = METRICS[name].buckets;
    const bound = bounds.find((b) => value <= b);
    this.pending.add(key, encodeField('_bucket', { ...normalized, le: bound === undefined ? '+Inf' : String(bound) }), 1);
    this.pending.add(key, encodeField('_sum', normalized), value);
    this.pending.add(key, encodeField('_count', normalized), 1);
  }

  setGauge(name: GaugeName, value: number, labels?: Labels): void {
    if (!Number.isFinite(value)) return this.rejectValue(name, `expected a finite gauge value, got ${value}`);
    this.pending.set(metricKey(this.prefix, name), encodeField('', this.labels(name, labels)), value);
  }

  /**
   * Adds `delta` to `member` of the sorted set `key` in the guardrails database with the next flush
   * (no command of its own), which also sets the key's TTL and trims it to its `keep` top members.
   * Returns false when this batch already holds its maximum of distinct members (the sample is dropped).
   */
  incrementRanked(key: string, member: string, delta: number, options: RankedKeyOptions): boolean {
    return this.pending.addRanked(key, member, delta, options);
  }

  /** Series recorded since the last flush started. */
  get pendingSeries(): number {
    return this.pending.size;
  }

  /**
   * Starts a flush when `flushIntervalMs` has passed since the last one and something is pending;
   * returns the flush already in flight if there is one. Never rejects. Issue it in the same tick
   * as another command on `redis` to share that command's request.
   */
  flushIfDue(redis: MetricsFlushClient): Promise<FlushResult> {
    if (this.inFlight) return this.inFlight;
    if (this.pending.size === 0 || this.clock() - this.lastFlushAt < this.intervalMs) return Promise.resolve(SKIPPED);
    return this.start(redis);
  }

  /**
   * Flushes everything recorded so far, now (scheduled jobs before they return, tests). Waits for
   * a flush in flight first, then sends what was recorded after it started. Never rejects.
   */
  async flush(redis: MetricsFlushClient): Promise<FlushResult> {
    if (this.inFlight) await this.inFlight;
    if (this.pending.size === 0) return SKIPPED;
    return this.start(redis);
  }

  private start(redis: MetricsFlushClient): Promise<FlushResult> {
    const batch = this.pending;
    this.pending = new PendingBatch();
    this.lastFlushAt = this.clock();
    const { keys, arg } = batch.toScriptArgs();
    let sent: Promise<unknown>;
    try {
      sent = redis.eval(FLUSH_SCRIPT, keys, [arg]);
    } catch (error) {
      sent = Promise.reject(error);
    }
    const flight = sent.then(
      (): FlushResult => {
        this.increment('metrics_flushes_total', { outcome: 'success' });
        return { status: 'flushed', series: batch.size };
      },
      (error: unknown): FlushResult => {
        this.increment('metrics_flushes_total', { outcome: 'error' });
        return { status: 'failed', series: batch.size, error: error instanceof Error ? error : new Error(String(error)) };
      },
    ).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = flight;
    return flight;
  }

  private labels(name: MetricName, labels: Labels | undefined): Record<string, string> {
    const { labels: normalized, replaced } = normalizeLabels(name, labels, this.strict);
    if (replaced) {
      this.pending.add(metricKey(this.prefix, 'metrics_invalid_labels_total'), encodeField('', { metric: name }), 1);
    }
    return normalized;
  }

  private rejectValue(name: MetricName, message: string): void {
    if (this.strict) throw new RangeError(`metric ${name}: ${message}`);
  }
}
