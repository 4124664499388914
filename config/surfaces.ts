import type { RateLimitPolicy, SurfaceConfig } from './types';

/** Default public read policy: generous, fails open so a Redis outage never blocks readers. */
export const DEFAULT_READ_POLICY: RateLimitPolicy = {
  algorithm: 'sliding-window',
  limit: 600,
  windowSeconds: 60,
  keyBy: 'ip',
  failMode: 'open',
  timeoutMs: 200,
};

/**
 * Cache surfaces. TTLs follow the operations runbook: marketing pages 30 min with
 * stale-while-revalidate, API responses 5 min. Marketing pages are public and cheap to serve from
 * the cache, so their rate limit counts only origin-bound reads (a hit costs one Upstash command;
 * hits are bounded by the HTTP API's throttling); the API keeps the exact, every-request limit.
 */
export function defaultSurfaces(originBase: string): SurfaceConfig[] {
  return [
    {
      name: 'marketing',
      originUrl: `${originBase}/marketing`,
      ttlSeconds: 30 * 60,
      staleWhileRevalidateSeconds: 5 * 60,
      varyQuery: ['lang'],
      varyHeaders: ['accept-language'],
      storedHeaders: ['content-type', 'content-language', 'last-modified'],
      rateLimit: { ...DEFAULT_READ_POLICY, scope: 'origin-bound' },
      originTimeoutMs: 5_000,
    },
    {
      name: 'api',
      originUrl: `${originBase}/api`,
      ttlSeconds: 5 * 60,
      staleWhileRevalidateSeconds: 60,
      varyQuery: ['page', 'limit', 'lang'],
      varyHeaders: ['accept'],
      storedHeaders: ['content-type'],
      rateLimit: { ...DEFAULT_READ_POLICY, limit: 300 },
      originTimeoutMs: 3_000,
    },
  ];
}
