import type { EnvironmentConfig, RateLimitPolicy } from '../../config/types';
import { GuardrailConfigError } from './errors';

/**
 * The admin routes: keyed by API key (the admin token), and closed when Redis is unavailable,
 * because an unlimited admin endpoint is worse than a briefly unavailable one.
 */
export const ADMIN_RATE_LIMIT_POLICY: RateLimitPolicy = {
  algorithm: 'sliding-window',
  limit: 60,
  windowSeconds: 60,
  keyBy: 'api-key',
  failMode: 'closed',
  timeoutMs: 300,
};

/** Bucket name of the admin routes in {@link policiesForEnvironment}. */
export const ADMIN_BUCKET = 'admin';

/**
 * Rate-limit policies of an environment by bucket: one bucket per surface (its `rateLimit`, named
 * like the surface, for the route `/c/{surface}/...`) and the `admin` bucket for `/admin/*`.
 */
export function policiesForEnvironment(
  env: EnvironmentConfig,
  adminPolicy: RateLimitPolicy = ADMIN_RATE_LIMIT_POLICY,
): Record<string, RateLimitPolicy> {
  const policies: Record<string, RateLimitPolicy> = { [ADMIN_BUCKET]: adminPolicy };
  for (const surface of env.surfaces) {
    if (surface.name === ADMIN_BUCKET) {
      throw new GuardrailConfigError(`surface "${surface.name}" clashes with the admin rate-limit bucket; rename the surface`);
    }
    policies[surface.name] = surface.rateLimit;
  }
  return policies;
}
