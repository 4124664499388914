import { randomBytes } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { GuardrailInputError } from './errors';

/** Default lease of a job lock: long enough for a warmup or audit run, short enough to recover. */
export const DEFAULT_JOB_LOCK_TTL_MS = 5 * 60_000;

// Set the owner key only if free and, in the same step, take the next fencing number.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;
// Compare-and-delete: only the owner's token removes the key.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;
// Compare-and-extend: only the owner's token moves the expiry.
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

export interface AcquireOptions {
  /** Lease; the lock frees itself this long after acquisition unless extended. @default defaultTtlMs */
  readonly ttlMs?: number;
  /** How long to keep retrying while another owner holds the lock; 0 tries once. @default 0 */
  readonly deadlineMs?: number;
}

/** A held lock. `fence` grows with every acquisition of the key: pass it to the protected resource. */
export interface Lock {
  readonly key: string;
  readonly token: string;
  readonly fence: number;
  /** Deletes the lock if this owner still holds it; false when it had expired or passed on. */
  release(): Promise<boolean>;
  /** Resets the lease to `ms` from now if this owner still holds it; false otherwise. */
  extend(ms: number): Promise<boolean>;
}

export interface DistributedLockCoordinatorOptions {
  /** `@upstash/redis` client (the guardrails database). */
  readonly redis: Redis;
  /** Namespace of the lock keys: `<prefix>:owner:<key>` and `<prefix>:fence:<key>`. @default 'lock' */
  readonly prefix?: string;
  /** @default DEFAULT_JOB_LOCK_TTL_MS */
  readonly defaultTtlMs?: number;
  /** First retry delay; each retry doubles it up to `maxBackoffMs`, with full jitter. @default 25 */
  readonly baseBackoffMs?: number;
  /** @default 1000 */
  readonly maxBackoffMs?: number;
  /** @default Math.random */
  readonly random?: () => number;
}

/** The lock stayed taken until the deadline. */
export class LockUnavailableError extends Error {
  constructor(readonly key: string, readonly waitedMs: number) {
    super(`lock ${JSON.stringify(key)} is held by another owner; gave up after ${waitedMs} ms`);
    this.name = 'LockUnavailableError';
  }
}

const LOCK_KEY = /^[A-Za-z0-9:._/-]{1,200}$/;

/**
 * Distributed mutual exclusion over Redis with owner tokens, leases, fencing numbers, owner-only
 * release and extend (Lua compare-and-delete / compare-and-expire), and retries with jittered
 * exponential backoff up to a deadline. `@upstash/lock` has neither fencing nor owner-checked
 * extend, so this is written on three small scripts; each operation is one Redis request.
 */
export class DistributedLockCoordinator {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly defaultTtlMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;

  constructor(options: DistributedLockCoordinatorOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'lock';
    this.defaultTtlMs = positiveMs('defaultTtlMs', options.defaultTtlMs ?? DEFAULT_JOB_LOCK_TTL_MS);
    this.baseBackoffMs = positiveMs('baseBackoffMs', options.baseBackoffMs ?? 25);
    this.maxBackoffMs = positiveMs('maxBackoffMs', options.maxBackoffMs ?? 1000);
    this.random = options.random ?? Math.random;
  }

  /** Acquires `key`, retrying until `deadlineMs`; throws {@link LockUnavailableError} when it cannot. */
  async acquire(key: string, options: AcquireOptions = {}): Promise<Lock> {
    const started = Date.now();
    const lock = await this.tryAcquire(key, options);
    if (!lock) throw new LockUnavailableError(key, Date.now() - started);
    return lock;
  }

  /** Like {@link acquire} but answers null when the lock stays taken until the deadline. */
  async tryAcquire(key: string, options: AcquireOptions = {}): Promise<Lock | null> {
    validateKey(key);
    const ttlMs = positiveMs('ttlMs', options.ttlMs ?? this.defaultTtlMs);
    const deadlineMs = options.deadlineMs ?? 0;
    if (!Number.isFinite(deadlineMs) || deadlineMs < 0) {
      throw new GuardrailInputError('invalid_deadline', `deadlineMs must be a number >= 0, got ${JSON.stringify(deadlineMs)}`);
    }
    const deadline = Date.now() + deadlineMs;
    const token = randomBytes(16).toString('hex');
    for (let attempt = 0; ; attempt++) {
      const fence = Number(await this.redis.eval(ACQUIRE, [this.ownerKey(key), this.fenceKey(key)], [token, String(Math.ceil(ttlMs))]));
      if (fence > 0) return this.lockHandle(key, token, fence);
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.min(attempt, 20));
      await sleep(Math.min(remaining, Math.max(1, Math.round(this.random() * ceiling))));
    }
  }

  /** Deletes `key` only if `token` owns it. */
  async release(key: string, token: string): Promise<boolean> {
    validateKey(key);
    return Number(await this.redis.eval(RELEASE, [this.ownerKey(key)], [token])) === 1;
  }

  /** Resets the lease of `key` to `ms` only if `token` owns it. */
  async extend(key: string, token: string, ms: number): Promise<boolean> {
    validateKey(key);
    positiveMs('ms', ms);
    return Number(await this.redis.eval(EXTEND, [this.ownerKey(key)], [token, String(Math.round(ms))])) === 1;
  }

  /**
   * Runs `fn` while holding `key` and releases the lock afterwards, also when `fn` throws.
   * `fn` gets the lock, to read the fence or extend a long job.
   */
  async withLock<T>(key: string, fn: (lock: Lock) => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const lock = await this.acquire(key, options);
    try {
      return await fn(lock);
    } finally {
      await lock.release().catch(() => false); // the lease ends it anyway
    }
  }

  private lockHandle(key: string, token: string, fence: number): Lock {
    return {
      key, token, fence,
      release: () => this.release(key, token),
      extend: (ms: number) => this.extend(key, token, ms),
    };
  }

  private ownerKey(key: string): string {
    return `${this.prefix}:owner:${key}`;
  }

  private fenceKey(key: string): string {
    return `${this.prefix}:fence:${key}`;
  }
}

function validateKey(key: string): void {
  if (!LOCK_KEY.test(key)) {
    throw new GuardrailInputError('invalid_lock_key', `lock keys are 1 to 200 characters of [A-Za-z0-9:._/-], got ${JSON.stringify(key)}`);
  }
}

function positiveMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1) {
    throw new GuardrailInputError('invalid_duration', `${name} must be at least 1 ms, got ${JSON.stringify(value)}`);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
