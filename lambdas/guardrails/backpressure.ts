import type { RuntimeLimitsConfig } from '../../config/types';
import { NOOP_METRICS, type MetricsRecorder } from '../shared/metrics/recorder';
import { jsonError, type HttpResult } from '../shared/http';
import { EnvironmentVariables } from '../shared/environment-variables';

export interface InflightLimiterOptions {
  /** Requests this instance works on at once; more get 503 (`MAX_INFLIGHT`). */
  readonly maxInflight: number;
  /** Counts `cache_backpressure_total{route}`, sets `http_active_requests` and `max_inflight_requests`. @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** `Retry-After` of the 503. @default 1 */
  readonly retryAfterSeconds?: number;
}

/** Frees the slot; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

/**
 * Bounds the requests an instance serves at once. Over the bound a request is refused at once with
 * 503 `overloaded` and `Retry-After` instead of queueing behind slow work (a Lambda instance takes
 * one request at a time, but the local dev server and any container runtime take many).
 */
export class InflightLimiter {
  private active = 0;
  private readonly maxInflight: number;
  private readonly metrics: MetricsRecorder;
  private readonly retryAfterSeconds: number;

  constructor(options: InflightLimiterOptions) {
    if (!Number.isInteger(options.maxInflight) || options.maxInflight < 1) {
      throw new RangeError(`maxInflight must be an integer >= 1, got ${JSON.stringify(options.maxInflight)}`);
    }
    this.maxInflight = options.maxInflight;
    this.metrics = options.metrics ?? NOOP_METRICS;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.metrics.setGauge('max_inflight_requests', this.maxInflight);
  }

  get inflight(): number {
    return this.active;
  }

  /** Takes a slot, or counts a refusal for `route` and answers null. */
  tryAcquire(route: string): ReleaseSlot | null {
    if (this.active >= this.maxInflight) {
      this.metrics.increment('cache_backpressure_total', { route });
      return null;
    }
    this.active++;
    this.metrics.setGauge('http_active_requests', this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.metrics.setGauge('http_active_requests', this.active);
    };
  }

  /** Runs `fn` in a slot, or answers the 503 when none is free. */
  async run<T>(route: string, fn: () => Promise<T>): Promise<T | HttpResult> {
    const release = this.tryAcquire(route);
    if (!release) return this.overloadedResponse();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  overloadedResponse(): HttpResult {
    return jsonError(503, 'overloaded',
      `this instance is already serving ${this.maxInflight} requests; retry shortly`,
      { 'Retry-After': String(this.retryAfterSeconds) });
  }
}

export interface BackpressureSettings {
  readonly maxInflight: number;
  readonly requestTimeoutMs: number;
}

/**
 * `MAX_INFLIGHT` and `REQUEST_TIMEOUT_MS` from the environment, falling back to the typed config;
 * a value that is not a positive integer is a configuration error naming the variable.
 */
export function backpressureSettings(
  defaults: Pick<RuntimeLimitsConfig, 'maxInflight' | 'requestTimeoutMs'>,
  env: NodeJS.ProcessEnv = process.env,
): BackpressureSettings {
  const variables = new EnvironmentVariables(env);
  return {
    maxInflight: variables.number('MAX_INFLIGHT', defaults.maxInflight, POSITIVE_INTEGER),
    requestTimeoutMs: variables.number('REQUEST_TIMEOUT_MS', defaults.requestTimeoutMs, POSITIVE_INTEGER),
  };
}

const POSITIVE_INTEGER = { positive: true, integer: true } as const;
