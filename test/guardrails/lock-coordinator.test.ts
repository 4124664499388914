import { Redis } from '@upstash/redis';
import { GuardrailInputError } from '../../lambdas/guardrails/errors';
import {
  DEFAULT_JOB_LOCK_TTL_MS, DistributedLockCoordinator, LockUnavailableError,
} from '../../lambdas/guardrails/lock-coordinator';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DistributedLockCoordinator on a real Redis', () => {
  let upstash: TestUpstash;
  let coordinator: DistributedLockCoordinator;

  beforeAll(async () => { upstash = await startTestUpstash(); });
  afterAll(async () => { await upstash?.stop(); });
  beforeEach(async () => {
    await upstash.flush();
    coordinator = new DistributedLockCoordinator({ redis: upstash.redis, prefix: 'dev:lock', baseBackoffMs: 5, maxBackoffMs: 40 });
  });

  /** A separate client and coordinator, as another Lambda instance would have. */
  function instance(): DistributedLockCoordinator {
    const redis = new Redis({ url: upstash.url, token: upstash.token, automaticDeserialization: false, enableTelemetry: false });
    return new DistributedLockCoordinator({ redis, prefix: 'dev:lock', baseBackoffMs: 5, maxBackoffMs: 40 });
  }

  it('50 contenders: never two holders at once, every one gets a turn, fences strictly increase', async () => {
    let holders = 0;
    let maxHolders = 0;
    const fencesInOrder: number[] = [];
    const contenders = Array.from({ length: 50 }, () => instance());
    const results = await Promise.all(contenders.map((c, i) => c.withLock('job:warmup', async (lock) => {
      holders++;
      maxHolders = Math.max(maxHolders, holders);
      fencesInOrder.push(lock.fence);
      // Someone else trying now is refused while we hold it.
      if (i % 10 === 0) expect(await coordinator.tryAcquire('job:warmup', { ttlMs: 1000 })).toBeNull();
      await sleep(2 + (i % 5));
      holders--;
      return i;
    }, { ttlMs: 10_000, deadlineMs: 30_000 })));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(maxHolders).toBe(1);
    expect(fencesInOrder).toHaveLength(50);
    for (let i = 1; i < fencesInOrder.length; i++) expect(fencesInOrder[i]).toBeGreaterThan(fencesInOrder[i - 1]);
    // The lock is free again afterwards.
    expect(await upstash.redis.exists('dev:lock:owner:job:warmup')).toBe(0);
  });

  it('stores the owner token with the TTL asked for, 5 minutes by default', async () => {
    const lock = await coordinator.acquire('job:audit');
    expect(lock.token).toMatch(/^[0-9a-f]{32}$/);
    expect(await upstash.redis.get('dev:lock:owner:job:audit')).toBe(lock.token);
    const pttl = await upstash.redis.pttl('dev:lock:owner:job:audit');
    expect(pttl).toBeGreaterThan(DEFAULT_JOB_LOCK_TTL_MS - 5000);
    expect(pttl).toBeLessThanOrEqual(DEFAULT_JOB_LOCK_TTL_MS);
    expect(await lock.release()).toBe(true);
  });

  it('a holder that crashed loses the lock when its TTL runs out, and the next owner gets a higher fence', async () => {
    const crashed = await instance().acquire('refresh:marketing:home', { ttlMs: 300 });
    // The crashed holder never releases. While its lease runs, others are refused.
    expect(await coordinator.tryAcquire('refresh:marketing:home', { ttlMs: 1000 })).toBeNull();
    const started = Date.now();
    const next = await coordinator.acquire('refresh:marketing:home', { ttlMs: 1000, deadlineMs: 3000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(next.fence).toBeGreaterThan(crashed.fence);
    // The stale handle can neither release nor extend the new owner's lock.
    expect(await crashed.release()).toBe(false);
    expect(await crashed.extend(60_000)).toBe(false);
    expect(await upstash.redis.get('dev:lock:owner:refresh:marketing:home')).toBe(next.token);
    expect(await next.release()).toBe(true);
  });

  it('refuses release and extend by a non-owner token', async () => {
    const lock = await coordinator.acquire('job:rotation', { ttlMs: 2000 });
    expect(await coordinator.release('job:rotation', 'not-the-owner')).toBe(false);
    expect(await coordinator.extend('job:rotation', 'not-the-owner', 60_000)).toBe(false);
    expect(await upstash.redis.get('dev:lock:owner:job:rotation')).toBe(lock.token);
    expect(await upstash.redis.pttl('dev:lock:owner:job:rotation')).toBeLessThanOrEqual(2000);
    expect(await coordinator.tryAcquire('job:rotation')).toBeNull();
  });

  it('lets the owner extend its lease', async () => {
    const lock = await coordinator.acquire('job:long', { ttlMs: 500 });
    expect(await lock.extend(30_000)).toBe(true);
    expect(await upstash.redis.pttl('dev:lock:owner:job:long')).toBeGreaterThan(25_000);
    await sleep(700); // past the original lease
    expect(await coordinator.tryAcquire('job:long')).toBeNull();
    expect(await lock.release()).toBe(true);
    expect(await lock.release()).toBe(false);
  });

  it('withLock releases when the work throws', async () => {
    await expect(coordinator.withLock('job:failing', async () => { throw new Error('job failed'); })).rejects.toThrow('job failed');
    expect(await upstash.redis.exists('dev:lock:owner:job:failing')).toBe(0);
    const again = await coordinator.acquire('job:failing');
    expect(again.fence).toBe(2);
  });

  it('gives up at the deadline with LockUnavailableError, retrying in between', async () => {
    await coordinator.acquire('job:busy', { ttlMs: 10_000 });
    upstash.resetRequestCount();
    const started = Date.now();
    const error = await instance().acquire('job:busy', { deadlineMs: 300 }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect((error as Error).message).toMatch(/job:busy.*held by another owner/);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(upstash.requestCount()).toBeGreaterThan(2); // it retried, with backoff (not a busy loop)
    expect(upstash.requestCount()).toBeLessThan(300);
    await expect(instance().withLock('job:busy', async () => 'never', { deadlineMs: 0 })).rejects.toThrow(LockUnavailableError);
  });

  it('validates keys and durations with named errors', async () => {
    await expect(coordinator.acquire('has space')).rejects.toThrow(GuardrailInputError);
    await expect(coordinator.acquire('')).rejects.toThrow(/lock keys are 1 to 200 characters/);
    await expect(coordinator.acquire('ok', { ttlMs: 0 })).rejects.toThrow(/ttlMs must be at least 1 ms, got 0/);
    await expect(coordinator.acquire('ok', { deadlineMs: -1 })).rejects.toThrow(/deadlineMs must be a number >= 0, got -1/);
    expect(() => new DistributedLockCoordinator({ redis: upstash.redis, defaultTtlMs: -5 })).toThrow(/defaultTtlMs/);
  });
});
