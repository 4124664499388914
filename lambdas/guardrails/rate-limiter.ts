// Over 300 lines: both rate-limit scopes, the allowlist and the fail-open/closed decision share the
// per-bucket limiter cache and the timeout; they are one state machine per bucket.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import type { RateLimitPolicy } from '../../config/types';
import { validateRateLimit } from '../../config/validate';
import { wireTimer } from '../shared/loop-delay';
import { NOOP_METRICS, type MetricsRecorder } from '../shared/metrics/recorder';
import { GuardrailConfigError, GuardrailInputError } from './errors';
import { canonicalIp } from './ip-address';
import type { RateLimitDecision, RateLimitOutcome } from './rate-limit-decision';

// The decision types and response live apart so the engine can use them without bundling the library.
export { rateLimitedResponse, type RateLimitDecision, type RateLimitOutcome } from './rate-limit-decision';

/** Label values of `ratelimit_requests_total{outcome}`. */
/** Who is asking; the policy's `keyBy` picks which one identifies the client. */
export interface RateLimitClient {
  readonly ip: string;
  /** Raw API key or admin token; only its hash reaches Redis. */
  readonly apiKey?: string;
}

export interface RateLimiterManagerOptions {
  /** `@upstash/redis` client of the guardrails database. */
  readonly redis: Redis;
  /** Environment name; the first segment of every key (`<env>:rl:<bucket>:...`). */
  readonly env: string;
  /** Policy per bucket (a surface or a route), e.g. from `policiesForEnvironment`. */
  readonly policies: Readonly<Record<string, RateLimitPolicy>>;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** Milliseconds since the epoch, for the `RateLimit-Reset` seconds. @default Date.now */
  readonly clock?: () => number;
  /**
   * Keep the library's in-process list of clients already over their limit until their window
   * resets, so a warm instance refuses them without a Redis request.
   * @default true
   */
  readonly ephemeralCache?: boolean;
  /**
   * How long an instance remembers that an IP is not allowlisted, so a flood of refused requests
   * from one IP costs one allowlist lookup per this period instead of one per request. A grant made
   * on another instance is seen within this time; 0 looks up every time.
   * @default 1000
   */
  readonly allowlistCacheMs?: number;
}

/** A refused decision with no count behind it: retry shortly. */
const FAIL_CLOSED_RETRY_AFTER_SECONDS = 1;
const MAX_ALLOWLIST_TTL_SECONDS = 7 * 86_400;
/** Also the shape the metrics catalog accepts for the `bucket` label. */
const MAX_REMEMBERED_IPS = 10_000;
const BUCKET_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

class LimiterTimeoutError extends Error {}

interface Bucket {
  readonly policy: RateLimitPolicy;
  readonly limiter: Ratelimit;
}

/**
 * Rate limiting per bucket on `@upstash/ratelimit`, with the parts the library leaves out: headers,
 * a temporary allowlist, and an explicit, counted fail-open or fail-closed outcome when Redis does
 * not answer within the policy's `timeoutMs`.
 *
 * The library's own `timeout` is disabled (it resolves `success: true` after 5 s without saying so);
 * this class races the call against the policy timeout instead. Analytics and deny lists are off, so
 * a check is one Redis request (one `EVALSHA`; the first call on a fresh Redis adds one `EVAL`).
 * The allowlist is consulted only when the limiter refuses, so allowed requests pay nothing for it,
 * and a negative answer is remembered briefly (`allowlistCacheMs`) so floods stay cheap.
 */
export class RateLimiterManager {
  private readonly buckets = new Map<string, Bucket>();
  private readonly redis: Redis;
  private readonly env: string;
  private readonly metrics: MetricsRecorder;
  private readonly clock: () => number;
  private readonly allowlistCacheMs: number;
  /** IP → until when it is known not to be allowlisted. */
  private readonly notExemptUntil = new Map<string, number>();
  /** `<bucket> <identifier>` → the window this instance last refused it in (origin-bound hits read it). */
  private readonly refusedUntil = new Map<string, { resetEpochMs: number; limit: number }>();

  constructor(options: RateLimiterManagerOptions) {
    this.redis = options.redis;
    this.env = options.env;
    this.metrics = options.metrics ?? NOOP_METRICS;
    this.clock = options.clock ?? Date.now;
    this.allowlistCacheMs = options.allowlistCacheMs ?? 1000;
    if (!/^[a-z0-9-]{1,32}$/.test(options.env)) {
      throw new GuardrailConfigError(`rate limiter env must be lowercase [a-z0-9-], got ${JSON.stringify(options.env)}`);
    }
    for (const [name, policy] of Object.entries(options.policies)) {
      if (!BUCKET_NAME.test(name)) {
        throw new GuardrailConfigError(`rate-limit bucket names are lowercase [a-z0-9_-], at most 32 characters, got ${JSON.stringify(name)}`);
      }
      validateRateLimit(`policies.${name}`, policy);
      this.buckets.set(name, {
        policy,
        limiter: new Ratelimit({
          redis: options.redis,
          limiter: algorithm(policy),
          prefix: `${options.env}:rl:${name}`,
          // Our own race below makes the outcome explicit; the library's would silently allow.
          timeout: 0,
          analytics: false,
          enableProtection: false,
          enableTelemetry: false,
          ephemeralCache: options.ephemeralCache === false ? false : new Map<string, number>(),
        }),
      });
    }
  }

  /** The policy of a bucket; throws {@link GuardrailConfigError} for an unknown bucket. */
  policy(bucket: string): RateLimitPolicy {
    return this.bucket(bucket).policy;
  }

  /**
   * Counts one request of `identifier` against `bucket`. `client.ip` is checked against the
   * allowlist when the limiter refuses (by default `identifier` itself when it is an IP).
   */
  async limit(bucket: string, identifier: string, client: { readonly ip?: string } = {}): Promise<RateLimitDecision> {
    const { policy, limiter } = this.bucket(bucket);
    if (identifier.length === 0 || identifier.length > 256) {
      throw new GuardrailInputError('invalid_identifier', `rate-limit identifier must be 1 to 256 characters, got ${identifier.length}`);
    }
    let result: Awaited<ReturnType<Ratelimit['limit']>>;
    try {
      result = await withTimeout(limiter.limit(identifier), policy.timeoutMs);
    } catch (error) {
      return this.failed(bucket, policy, error instanceof LimiterTimeoutError ? 'timeout' : 'error');
    }
    if (result.reason === 'timeout') return this.failed(bucket, policy, 'timeout');

    const now = this.clock();
    if (result.success) {
      return this.decide(bucket, 'allowed', result.limit, result.remaining, result.reset, headersFor(result, now, false));
    }
    const ip = client.ip ?? (isIP(identifier) ? identifier : undefined);
    if (ip !== undefined && (await this.isExempt(ip, policy.timeoutMs))) {
      return this.decide(bucket, 'exempt', result.limit, result.remaining, result.reset, {});
    }
    this.rememberRefusal(bucket, identifier, result.reset, result.limit);
    return this.decide(bucket, 'limited', result.limit, 0, result.reset, headersFor(result, now, true));
  }

  /** Picks the identifier the bucket's policy asks for (API keys are hashed) and limits it. */
  limitClient(bucket: string, client: RateLimitClient): Promise<RateLimitDecision> {
    return this.limit(bucket, this.identifierOf(bucket, client), { ip: client.ip });
  }

  /**
   * A cache hit under an `origin-bound` policy, answered without a request to Redis unless this
   * instance refused the client within its current window: then it is refused again (429 with the
   * same headers), unless its IP has been allowlisted since (looked up as on any refusal, so a grant
   * is seen within `allowlistCacheMs`). Undefined means the hit goes on (counted as allowed in
   * `ratelimit_requests_total`, not in Redis).
   */
  async limitHit(bucket: string, client: RateLimitClient): Promise<RateLimitDecision | undefined> {
    const { policy } = this.bucket(bucket);
    const key = `${bucket} ${this.identifierOf(bucket, client)}`;
    const refused = this.refusedUntil.get(key);
    const now = this.clock();
    if (refused && refused.resetEpochMs <= now) this.refusedUntil.delete(key);
    if (!refused || refused.resetEpochMs <= now) {
      // Counted like a checked request, so the share of 429s per bucket keeps its meaning.
      this.metrics.increment('ratelimit_requests_total', { bucket, outcome: 'allowed' });
      return undefined;
    }
    if (await this.isExempt(client.ip, policy.timeoutMs)) {
      this.refusedUntil.delete(key);
      return this.decide(bucket, 'exempt', refused.limit, 0, refused.resetEpochMs, {});
    }
    const result = { limit: refused.limit, remaining: 0, reset: refused.resetEpochMs };
    return this.decide(bucket, 'limited', refused.limit, 0, refused.resetEpochMs, headersFor(result, now, true));
  }

  private identifierOf(bucket: string, client: RateLimitClient): string {
    const { policy } = this.bucket(bucket);
    return policy.keyBy === 'api-key' && client.apiKey
      ? `key:${createHash('sha256').update(client.apiKey).digest('hex').slice(0, 32)}`
      : `ip:${client.ip}`;
  }

  private rememberRefusal(bucket: string, identifier: string, resetEpochMs: number, limit: number): void {
    if (this.refusedUntil.size >= MAX_REMEMBERED_IPS) this.refusedUntil.clear();
    this.refusedUntil.set(`${bucket} ${identifier}`, { resetEpochMs, limit });
  }

  /**
   * Exempts `ip` from every bucket for `ttlSeconds`; the exemption is a Redis key with that TTL,
   * so it ends by itself across the fleet.
   */
  async allowTemporaryAccess(ip: string, ttlSeconds: number): Promise<{ ip: string; expiresAtEpochMs: number }> {
    const normalized = normalizeIp(ip);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_ALLOWLIST_TTL_SECONDS) {
      throw new GuardrailInputError('invalid_ttl',
        `ttlSeconds must be an integer between 1 and ${MAX_ALLOWLIST_TTL_SECONDS}, got ${JSON.stringify(ttlSeconds)}`);
    }
    await this.redis.set(this.allowKey(normalized), '1', { ex: ttlSeconds });
    this.notExemptUntil.delete(normalized);
    for (const key of this.refusedUntil.keys()) if (key.endsWith(` ip:${normalized}`)) this.refusedUntil.delete(key);
    return { ip: normalized, expiresAtEpochMs: this.clock() + ttlSeconds * 1000 };
  }

  /** Ends an exemption early; true when there was one. */
  async revokeTemporaryAccess(ip: string): Promise<boolean> {
    return (await this.redis.del(this.allowKey(normalizeIp(ip)))) > 0;
  }

  private async isExempt(ip: string, timeoutMs: number): Promise<boolean> {
    const normalized = canonicalIp(ip);
    if (normalized === undefined) return false;
    const now = Date.now();
    if ((this.notExemptUntil.get(normalized) ?? 0) > now) return false;
    let exempt: boolean;
    try {
      exempt = (await withTimeout(this.redis.exists(this.allowKey(normalized)), timeoutMs)) > 0;
    } catch {
      return false; // the refusal Redis already made stands
    }
    if (!exempt && this.allowlistCacheMs > 0) {
      if (this.notExemptUntil.size >= MAX_REMEMBERED_IPS) this.notExemptUntil.clear();
      this.notExemptUntil.set(normalized, now + this.allowlistCacheMs);
    }
    return exempt;
  }

  private allowKey(ip: string): string {
    return `${this.env}:rl-allow:${ip}`;
  }

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) {
      throw new GuardrailConfigError(`no rate-limit policy for bucket ${JSON.stringify(name)}; known: ${[...this.buckets.keys()].join(', ')}`);
    }
    return bucket;
  }

  private failed(bucket: string, policy: RateLimitPolicy, failure: 'timeout' | 'error'): RateLimitDecision {
    if (policy.failMode === 'open') {
      return { ...this.decide(bucket, 'failed_open', policy.limit, 0, 0, {}), failedOpen: true, failure };
    }
    const headers = { 'Retry-After': String(FAIL_CLOSED_RETRY_AFTER_SECONDS) };
    return { ...this.decide(bucket, 'failed_closed', policy.limit, 0, 0, headers), failure };
  }

  private decide(
    bucket: string, outcome: RateLimitOutcome, limit: number, remaining: number, resetEpochMs: number,
    headers: Record<string, string>,
  ): RateLimitDecision {
    this.metrics.increment('ratelimit_requests_total', { bucket, outcome });
    const allowed = outcome === 'allowed' || outcome === 'exempt' || outcome === 'failed_open';
    return { bucket, outcome, allowed, limit, remaining, resetEpochMs, headers };
  }
}

function algorithm(policy: RateLimitPolicy): ReturnType<typeof Ratelimit.slidingWindow> {
  const window = `${policy.windowSeconds} s` as const;
  switch (policy.algorithm ?? 'sliding-window') {
    case 'fixed-window':
      return Ratelimit.fixedWindow(policy.limit, window);
    case 'token-bucket':
      return Ratelimit.tokenBucket(policy.refillRate ?? policy.limit, window, policy.limit);
    case 'sliding-window':
      return Ratelimit.slidingWindow(policy.limit, window);
  }
}

function headersFor(
  result: { limit: number; remaining: number; reset: number }, now: number, refused: boolean,
): Record<string, string> {
  const resetSeconds = Math.max(refused ? 1 : 0, Math.ceil((result.reset - now) / 1000));
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(refused ? 0 : Math.max(0, result.remaining)),
    'RateLimit-Reset': String(resetSeconds),
  };
  if (refused) headers['Retry-After'] = String(resetSeconds);
  return headers;
}

/** The allowlist's key form of an address (see ip-address.ts), so a grant matches the source IP. */
function normalizeIp(ip: string): string {
  const canonical = canonicalIp(ip);
  if (canonical === undefined) {
    throw new GuardrailInputError('invalid_ip', `expected an IPv4 or IPv6 address, got ${JSON.stringify(ip)}`);
  }
  return canonical;
}

/**
 * Rejects with {@link LimiterTimeoutError} once `ms` passed on the wire: this process's own
 * event-loop delay (a cold start, a burst on a busy CPU) does not count, so saturation here does not
 * turn a healthy Redis into failed-open decisions (shared/loop-delay.ts). The losing call is left to
 * settle on its own.
 */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const timer = wireTimer(ms);
  const timeout = new Promise<never>((_, reject) => {
    timer.signal.addEventListener('abort', () => reject(new LimiterTimeoutError(`no answer within ${ms} ms`)), { once: true });
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    timer.clear();
  }
}
