/**
 * What a rate-limit check decides and the answer to a refused one. Kept apart from
 * `rate-limiter.ts` so code that only reads decisions (the engine) does not bundle
 * `@upstash/ratelimit`.
 */
import { jsonError, type HttpResult } from '../shared/http';

export type RateLimitOutcome = 'allowed' | 'limited' | 'exempt' | 'failed_open' | 'failed_closed';

export interface RateLimitDecision {
  readonly bucket: string;
  readonly outcome: RateLimitOutcome;
  /** Whether the request may go on (`allowed`, `exempt`, `failed_open`). */
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** When the window resets (token bucket: when the next token arrives); 0 when unknown. */
  readonly resetEpochMs: number;
  /**
   * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until reset) on decisions
   * Redis made; `Retry-After` too when refused. Empty for exempt and fail-open decisions, where
   * Redis gave no count to report.
   */
  readonly headers: Record<string, string>;
  /** True when Redis could not answer in time and the policy let the request through. */
  readonly failedOpen?: boolean;
  /** Why Redis gave no answer, on `failed_open` / `failed_closed`. */
  readonly failure?: 'timeout' | 'error';
}

/**
 * The answer to a refused decision: 429 `rate_limited` with `Retry-After`, or 503
 * `rate_limiter_unavailable` when a fail-closed policy could not reach Redis.
 */
export function rateLimitedResponse(decision: RateLimitDecision): HttpResult {
  if (decision.outcome === 'failed_closed') {
    return jsonError(503, 'rate_limiter_unavailable',
      `the rate limiter for "${decision.bucket}" is unavailable and this route fails closed; retry shortly`, decision.headers);
  }
  return jsonError(429, 'rate_limited',
    `too many requests for "${decision.bucket}"; retry after ${decision.headers['Retry-After'] ?? '1'} s`, decision.headers);
}
