/**
 * Fault scenarios on the whole local platform (`startDevServer` on a dedicated redis-server, the
 * local Upstash-compatible servers, a counting origin). Each runner starts its own stack, injects
 * one fault under steady read load, clears it, and returns figures; `test/faults/*.test.ts` assert
 * on them and `bench/faults.bench.ts` reports them. Nothing is mocked: Redis is really killed or
 * slowed, the REST servers really answer 500s or garbage, the origin really stalls or fails.
 */
import { randomBytes } from 'node:crypto';
import { environment } from '../../config/environments';
import { bearer, send } from '../e2e/client';
import { sleep, startStack, type Stack } from '../e2e/stack';
import type { OriginHandler } from '../support/origin';
import { startLoad, type CacheStatus, type Sample } from './load';

/**
 * `redis-killed` and `redis-slow` hit both databases (one redis-server, as in the dev server);
 * the REST faults hit the cache database only, so admin requests get past their (fail-closed)
 * rate limit on the guardrails database and reach the invalidation itself.
 */
export type RedisFault = 'redis-killed' | 'redis-slow' | 'upstash-http500' | 'upstash-garbage';
export const REDIS_FAULTS: readonly RedisFault[] = ['redis-killed', 'redis-slow', 'upstash-http500', 'upstash-garbage'];

const REDIS_TIMEOUT_MS = environment('dev').runtime.redisTimeoutMs;
/** Delay the proxy adds to every chunk in each direction for `redis-slow`: past the timeout. */
export const SLOW_REDIS_DELAY_MS = REDIS_TIMEOUT_MS + 300;

export interface AdminAttempt {
  readonly what: string;
  readonly status: number;
  readonly error?: string;
}

export interface RedisFaultFigures {
  readonly scenario: RedisFault;
  readonly requests: number;
  readonly requestsDuringFault: number;
  /** Answers with a 5xx on the read path, over the whole run (target 0). */
  readonly read5xx: number;
  /** Requests that got no HTTP answer at all. */
  readonly transportErrors: number;
  readonly served: Readonly<Record<CacheStatus, number>>;
  readonly servedDuringFault: Readonly<Record<CacheStatus, number>>;
  readonly faultMs: number;
  readonly p50MsDuringFault: number;
  readonly p99MsDuringFault: number;
  readonly maxMsDuringFault: number;
  /** From clearing the fault to the first read served through Redis again (HIT/MISS/STALE); null if never. */
  readonly recoverMs: number | null;
  /** From clearing the fault to the first HIT. */
  readonly firstHitMs: number | null;
  readonly readyzDuringFault: number;
  readonly readyzAfterRecovery: number;
  /** Mutating admin requests sent during the fault. */
  readonly adminDuringFault: readonly AdminAttempt[];
  /** Of those, answered 2xx (claimed done) — target 0: Redis could not have done them. */
  readonly adminClaimedDoneDuringFault: number;
  /**
   * Whether the surface generation is unchanged after the fault, when every bump during it was
   * refused (null when Redis lost its data). A slowed Redis may still apply a command its client
   * gave up on: refused-but-done is safe (a bump is repeatable), done-but-refused is not possible here.
   */
  readonly surfaceGenerationUnchangedByFailedBump: boolean | null;
  /** The same bump once recovered. */
  readonly adminAfterRecovery: number;
}

export interface RedisFaultOptions {
  /** How long the fault lasts. @default 2500 */
  readonly faultMs?: number;
  /** Give up waiting for recovery after this long. @default 20000 */
  readonly recoveryTimeoutMs?: number;
  /** Third octet of the load's source addresses. @default 1 */
  readonly ipBlock?: number;
}

const PATHS = ['/c/marketing/blog/a', '/c/marketing/blog/b', '/c/marketing/about', '/c/api/articles', '/c/api/plans', '/c/marketing/pricing'];

function count(samples: readonly Sample[]): Record<CacheStatus, number> {
  const out: Record<CacheStatus, number> = { HIT: 0, MISS: 0, STALE: 0, BYPASS: 0 };
  for (const s of samples) if (s.xcache && s.xcache in out) out[s.xcache] += 1;
  return out;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

async function inject(stack: Stack, fault: RedisFault): Promise<void> {
  switch (fault) {
    case 'redis-killed': return stack.redis.kill();
    case 'redis-slow': return stack.proxy?.setDelay(SLOW_REDIS_DELAY_MS);
    case 'upstash-http500':
    case 'upstash-garbage':
      stack.dev.upstash.cache.setFault(fault === 'upstash-http500' ? 'http500' : 'garbage');
  }
}

async function clear(stack: Stack, fault: RedisFault): Promise<void> {
  switch (fault) {
    case 'redis-killed': return stack.redis.restart();
    case 'redis-slow': return stack.proxy?.setDelay(0);
    case 'upstash-http500':
    case 'upstash-garbage':
      stack.dev.upstash.cache.setFault('none');
  }
}

async function adminAttempt(stack: Stack, what: string, path: string, body: unknown): Promise<AdminAttempt> {
  const res = await send(`${stack.url}${path}`, { method: 'POST', body, headers: bearer(stack.adminToken), timeoutMs: 10_000 });
  const parsed = res.headers['content-type']?.startsWith('application/json') ? res.json<{ error?: string }>() : {};
  return { what, status: res.status, ...(parsed.error ? { error: parsed.error } : {}) };
}

/** Injects one Redis-side fault under load and measures how reads, readiness and admin behave. */
export async function runRedisFault(fault: RedisFault, opts: RedisFaultOptions = {}): Promise<RedisFaultFigures> {
  const faultMs = opts.faultMs ?? 2500;
  const stack = await startStack({ viaProxy: fault === 'redis-slow' });
  try {
    const genKey = stack.target('marketing', 'about').surfaceGenKey;
    // A generation to watch: a bump refused during the fault must not move it.
    const first = await adminAttempt(stack, 'surface bump', '/admin/invalidate', { surface: 'marketing', bump: true });
    if (first.status !== 200) throw new Error(`setup bump failed: ${JSON.stringify(first)}`);
    for (const p of PATHS) for (let i = 0; i < 2; i++) await send(`${stack.url}${p}`);
    const load = startLoad(stack.url, { paths: PATHS, ipBlock: opts.ipBlock ?? 1 });
    await sleep(800);

    const generationBefore = await stack.cacheDb.get(genKey);
    const faultAt = Date.now();
    await inject(stack, fault);
    await sleep(Math.min(600, faultMs / 3)); // let the breaker see it
    const [readyz, ...adminDuringFault] = await Promise.all([
      send(`${stack.url}/readyz`).then((r) => r.status),
      adminAttempt(stack, 'surface bump', '/admin/invalidate', { surface: 'marketing', bump: true }),
      adminAttempt(stack, 'key delete', '/admin/invalidate', { keys: [stack.target('marketing', 'about').key] }),
      adminAttempt(stack, 'domain event', '/admin/invalidate', { event: 'article.updated', data: { slug: 'a' } }),
      adminAttempt(stack, 'bypass on', '/admin/bypass', { surface: 'api', enabled: true, ttlSeconds: 60 }),
    ]);
    await sleep(Math.max(0, faultAt + faultMs - Date.now()));
    const clearedAt = Date.now();
    await clear(stack, fault);

    const deadline = clearedAt + (opts.recoveryTimeoutMs ?? 20_000);
    const viaRedis = (s: Sample) => s.startedAt >= clearedAt && (s.xcache === 'HIT' || s.xcache === 'MISS' || s.xcache === 'STALE');
    while (Date.now() < deadline && !load.samples.some((s) => s.startedAt >= clearedAt && s.xcache === 'HIT')) await sleep(50);
    await sleep(300);
    const samples = await load.stop();

    // Killed Redis restarts empty: nothing to compare.
    const generationAfterFault = fault === 'redis-killed' ? null : await stack.cacheDb.get(genKey);
    const readyzAfterRecovery = (await send(`${stack.url}/readyz`)).status;
    const after = await adminAttempt(stack, 'surface bump', '/admin/invalidate', { surface: 'marketing', bump: true });

    const during = samples.filter((s) => s.startedAt >= faultAt && s.startedAt < clearedAt);
    const firstVia = samples.filter(viaRedis).sort((a, b) => a.startedAt - b.startedAt)[0];
    const firstHit = samples.filter((s) => s.startedAt >= clearedAt && s.xcache === 'HIT').sort((a, b) => a.startedAt - b.startedAt)[0];
    return {
      scenario: fault,
      requests: samples.length,
      requestsDuringFault: during.length,
      read5xx: samples.filter((s) => s.status >= 500).length,
      transportErrors: samples.filter((s) => s.status === 0).length,
      served: count(samples),
      servedDuringFault: count(during),
      faultMs: clearedAt - faultAt,
      p50MsDuringFault: percentile(during.map((s) => s.ms), 50),
      p99MsDuringFault: percentile(during.map((s) => s.ms), 99),
      maxMsDuringFault: Math.round(Math.max(0, ...during.map((s) => s.ms))),
      recoverMs: firstVia ? firstVia.startedAt + firstVia.ms - clearedAt : null,
      firstHitMs: firstHit ? firstHit.startedAt + firstHit.ms - clearedAt : null,
      readyzDuringFault: readyz as number,
      readyzAfterRecovery,
      adminDuringFault: adminDuringFault as AdminAttempt[],
      adminClaimedDoneDuringFault: (adminDuringFault as AdminAttempt[]).filter((a) => a.status >= 200 && a.status < 300).length,
      surfaceGenerationUnchangedByFailedBump: fault === 'redis-killed' ? null : generationAfterFault === generationBefore,
      adminAfterRecovery: after.status,
    };
  } finally {
    await stack.close();
  }
}

// ------------------------------------------------------------------ origin faults

export type OriginMode = 'ok' | 'http500' | 'slow' | 'reset' | 'oversize';

export interface OriginStep {
  readonly name: string;
  readonly mode: OriginMode;
  readonly path: string;
  /** Whether a stale copy existed when the request was made. */
  readonly hadStale: boolean;
  readonly status: number;
  readonly xcache?: string;
  readonly error?: string;
  readonly ms: number;
  readonly bodyBytes: number;
  /** Whether an entry existed at the key right after the request. */
  readonly storedAfter: boolean;
  /** Origin requests for that path so far. */
  readonly originCalls: number;
}

export interface OriginFaultFigures {
  readonly steps: readonly OriginStep[];
  /** Answers served from a stale entry while the origin failed. */
  readonly staleServed: number;
  /** 5xx answers where a stale copy existed (target 0). */
  readonly fiveXxWithStale: number;
  /** 5xx answers where nothing was cached (the contract's 502). */
  readonly fiveXxWithoutStale: number;
  readonly originTimeoutMs: number;
  /** Bytes of the oversize body, over `maxItemBytes`. */
  readonly oversizeBytes: number;
}

/** The api surface's origin timeout (config/surfaces.ts). */
const API = environment('dev').surfaces.find((s) => s.name === 'api');
const ORIGIN_TIMEOUT_MS = API?.originTimeoutMs ?? 3000;
const MAX_ITEM_BYTES = environment('dev').runtime.maxItemBytes;

/** Walks the origin through failing, stalling, resetting and oversize answers. */
export async function runOriginFaults(): Promise<OriginFaultFigures> {
  let mode: OriginMode = 'ok';
  // Random bytes: compression (which the envelope applies) cannot bring them under the limit.
  const oversize = randomBytes(Math.ceil((MAX_ITEM_BYTES + 512 * 1024) * 0.75)).toString('base64');
  const handler: OriginHandler = (req, res) => {
    switch (mode) {
      case 'http500': return { status: 500, body: { error: 'origin broke' } };
      case 'slow': return { delayMs: ORIGIN_TIMEOUT_MS + 1500, body: { path: req.path, n: req.n } };
      case 'reset': res.socket?.destroy(); return undefined;
      case 'oversize': return { status: 200, headers: { 'content-type': 'text/plain' }, body: oversize };
      case 'ok': return { body: { path: req.path, n: req.n } };
    }
  };
  const stack = await startStack({ originHandler: handler });
  const steps: OriginStep[] = [];
  const step = async (name: string, m: OriginMode, path: string): Promise<OriginStep> => {
    mode = m;
    const key = stack.target('api', path).key;
    const hadStale = (await stack.cacheDb.exists(key)) === 1;
    const res = await send(`${stack.url}/c/api/${path}`, { timeoutMs: 20_000 });
    const parsed = res.headers['content-type']?.startsWith('application/json') && res.status >= 400 ? res.json<{ error?: string }>() : {};
    const s: OriginStep = {
      name, mode: m, path, hadStale,
      status: res.status,
      xcache: res.headers['x-cache'],
      ...(parsed.error ? { error: parsed.error } : {}),
      ms: Math.round(res.ms),
      bodyBytes: res.body.byteLength,
      storedAfter: (await stack.cacheDb.exists(key)) === 1,
      originCalls: stack.origin.requestsFor(`/api/${path}`),
    };
    steps.push(s);
    return s;
  };
  try {
    const ttl = API?.ttlSeconds ?? 300;
    for (const path of ['doc-a', 'doc-b', 'doc-c']) {
      await step(`warm ${path}`, 'ok', path);
      await stack.age(stack.target('api', path).key, ttl + 5); // stale: past the TTL, inside the stale window
    }
    await step('origin 500, stale copy', 'http500', 'doc-a');
    await step('origin 500, nothing cached', 'http500', 'never-cached');
    await step('origin 500 again, nothing cached', 'http500', 'never-cached');
    await step('origin too slow, stale copy', 'slow', 'doc-b');
    await step('origin too slow, nothing cached', 'slow', 'slow-miss');
    await step('origin resets, stale copy', 'reset', 'doc-c');
    await step('origin resets, nothing cached', 'reset', 'reset-miss');
    await step('origin oversize body', 'oversize', 'big');
    await step('origin oversize body again', 'oversize', 'big');
    await step('origin back, stale copy refreshed', 'ok', 'doc-a');
    await step('origin back, now cached', 'ok', 'doc-a');
    return {
      steps,
      staleServed: steps.filter((s) => s.xcache === 'STALE').length,
      fiveXxWithStale: steps.filter((s) => s.status >= 500 && s.hadStale).length,
      fiveXxWithoutStale: steps.filter((s) => s.status >= 500 && !s.hadStale).length,
      originTimeoutMs: ORIGIN_TIMEOUT_MS,
      oversizeBytes: oversize.length,
    };
  } finally {
    await stack.close();
  }
}
