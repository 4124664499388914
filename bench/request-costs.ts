/**
 * Measures what each kind of request (`cost/request-kinds.ts`) sends to Upstash: billed commands per
 * database (counted at the local Upstash-compatible server as Upstash bills them) and HTTP requests,
 * plus the in-process time per request. Runs the functions `npm run dev` runs (cache, admin, warmup,
 * audit) in their default configuration, invoked with HTTP API events, on a real redis-server behind
 * two local Upstash servers (cache db 0, guardrails db 1) and the demo origin.
 *
 * The metrics flush (one script per instance at most every `METRICS_FLUSH_INTERVAL_MS`) is counted
 * apart from the request that carried it: it is a per-instance cost, not a per-request one.
 * `bench/cost.bench.ts` prints these figures; `test/cost/request-costs.test.ts` checks they are the
 * ones the capacity model uses (`cost/request-profile.ts`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import IORedis from 'ioredis';
import { createAdminFunction } from '../lambdas/admin/handler';
import { createAuditFunction } from '../lambdas/audit/handler';
import { createCacheFunction } from '../lambdas/cache/handler';
import { environment } from '../config/environments';
import { decodeEnvelope, encodeEnvelope } from '../lambdas/engine/envelope';
import { requestTarget } from '../lambdas/engine/request-target';
import type { HttpResult } from '../lambdas/shared/http';
import { createWarmupFunction } from '../lambdas/warmup/handler';
import { startDemoOrigin } from '../local/demo-origin';
import { startRedisServer } from '../local/redis-process';
import { startUpstashServer, type LocalUpstashServer } from '../local/upstash-server';
import type { RequestKind } from '../cost/request-kinds';

export interface MeasuredCost {
  /** Billed commands per request, by database. */
  readonly cache: number;
  readonly guardrails: number;
  /** HTTP requests to Upstash per request, both databases. */
  readonly upstashRequests: number;
  /** Billed commands by name, summed over both databases, per request. */
  readonly byCommand: Readonly<Record<string, number>>;
  /** Median in-process time of one request (local Redis), ms. */
  readonly localMs: number;
  readonly samples: number;
}

export interface RequestCostsResult {
  readonly kinds: Readonly<Record<RequestKind, MeasuredCost>>;
  /**
   * The figure: `hits` hits of one cached marketing page, paced at `ratePerSecond`, with
   * everything counted (metrics flushes and popularity counts included), per hit.
   */
  readonly defaultHitRun: { readonly hits: number; readonly ratePerSecond: number; readonly billedPerHit: number; readonly flushes: number };
}

export interface RequestCostsOptions {
  /** Repetitions per kind. @default 20 */
  readonly samples?: number;
  /** Hits of the default-config run. @default 500 */
  readonly defaultHits?: number;
  /** Pace of the default-config run (one Lambda instance serving at this rate). @default 100 */
  readonly defaultHitRate?: number;
}

const ADMIN_TOKEN = 'cost-bench-admin-token-0123456789';
const FLUSH_MARK = 'cjson.decode(ARGV[1])';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Fn = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

function event(method: string, path: string, ip: string, body?: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      accountId: 'local', apiId: 'local', domainName: 'localhost', domainPrefix: 'localhost', requestId: `${now}`, routeKey: '$default',
      stage: '$default', time: new Date(now).toISOString(), timeEpoch: now,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: ip, userAgent: 'cost-bench' },
    },
  };
}

/** Counts billed commands and requests at both servers over `run`, metrics flushes apart. */
class Meter {
  constructor(private readonly servers: { cache: LocalUpstashServer; guardrails: LocalUpstashServer }) {}

  reset(): void {
    for (const s of Object.values(this.servers)) {
      s.resetBilledCommands();
      s.resetRequestCount();
      s.clearCommandLog();
    }
  }

  /** Commands and requests since the last reset; flush scripts (and their requests when alone) counted apart. */
  read(): { cache: number; guardrails: number; requests: number; byCommand: Record<string, number>; flushes: number } {
    const flushRequests = this.servers.guardrails.commandLog().filter((r) => r.commands.some((c) => c[0]?.toUpperCase() === 'EVAL' && c[1]?.includes(FLUSH_MARK)));
    const flushes = flushRequests.length;
    const aloneFlushRequests = flushRequests.filter((r) => r.commands.length === 1).length;
    const byCommand: Record<string, number> = {};
    let cache = 0;
    let guardrails = 0;
    for (const [db, server] of Object.entries(this.servers)) {
      for (const [name, n] of Object.entries(server.billedCommands())) {
        const count = db === 'guardrails' && name === 'EVAL' ? n - flushes : n;
        if (count === 0) continue;
        byCommand[name] = (byCommand[name] ?? 0) + count;
        if (db === 'cache') cache += count; else guardrails += count;
      }
    }
    const requests = this.servers.cache.requestCount() + this.servers.guardrails.requestCount() - aloneFlushRequests;
    return { cache, guardrails, requests, byCommand, flushes };
  }
}

function per(total: ReturnType<Meter['read']>, n: number, times: number[]): MeasuredCost {
  const round = (v: number) => Math.round((v / n) * 1000) / 1000;
  const sorted = [...times].sort((a, b) => a - b);
  return {
    cache: round(total.cache),
    guardrails: round(total.guardrails),
    upstashRequests: round(total.requests),
    byCommand: Object.fromEntries(Object.entries(total.byCommand).map(([k, v]) => [k, round(v)])),
    localMs: Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 100) / 100,
    samples: n,
  };
}

function expectStatus(res: HttpResult, statuses: number[], what: string): void {
  if (!statuses.includes(res.statusCode ?? 200)) throw new Error(`${what}: expected ${statuses.join(' or ')}, got ${res.statusCode} ${res.body?.slice(0, 200)}`);
}

export async function measureRequestCosts(opts: RequestCostsOptions = {}): Promise<RequestCostsResult> {
  const samples = opts.samples ?? 20;
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const [cacheServer, guardrailsServer, origin] = await Promise.all([
      startUpstashServer({ redisUrl: redis.url, db: 0 }), startUpstashServer({ redisUrl: redis.url, db: 1 }), startDemoOrigin(),
    ]);
    cleanups.push(() => cacheServer.close(), () => guardrailsServer.close(), () => origin.close());
    const cacheDb = new IORedis(redis.url, { db: 0 });
    const marketing = environment('dev').surfaces.find((s) => s.name === 'marketing');
    if (!marketing) throw new Error('the dev environment has no marketing surface');
    cleanups.push(async () => cacheDb.disconnect());
    // The environment `npm run dev` gives the functions (local/dev-server.ts).
    const env: NodeJS.ProcessEnv = {
      CACHE_ENV: 'dev',
      UPSTASH_REDIS_REST_URL: cacheServer.url, UPSTASH_REDIS_REST_TOKEN: cacheServer.token,
      UPSTASH_GUARDRAILS_REST_URL: guardrailsServer.url, UPSTASH_GUARDRAILS_REST_TOKEN: guardrailsServer.token,
      ADMIN_TOKEN, METRICS_PUBLIC: 'false',
      ORIGIN_MARKETING: `${origin.url}/marketing`, ORIGIN_API: `${origin.url}/api`,
    };
    const [cacheFn, adminFn] = await Promise.all([createCacheFunction({ env }), createAdminFunction({ env })]);
    const meter = new Meter({ cache: cacheServer, guardrails: guardrailsServer });
    const kinds: Partial<Record<RequestKind, MeasuredCost>> = {};
    let ipCounter = 0;
    const newIp = () => `198.51.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;

    /** Runs `prepare` unmeasured, then `one(i)` `n` times measured and timed. */
    const measure = async (kind: RequestKind, n: number, one: (i: number) => Promise<void>, prepare?: () => Promise<void>) => {
      await prepare?.();
      meter.reset();
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        await one(i);
        times.push(performance.now() - started);
      }
      kinds[kind] = per(meter.read(), n, times);
    };
    const read = async (fn: Fn, path: string, ip: string, expected: string | number | string[]) => {
      const res = await fn(event('GET', path, ip));
      if (typeof expected === 'number') expectStatus(res, [expected], path);
      else if (![expected].flat().includes(String(res.headers?.['x-cache']))) throw new Error(`${path}: expected X-Cache ${expected}, got ${res.statusCode} ${res.headers?.['x-cache']}`);
    };
    const admin = async (method: string, path: string, body?: unknown) => {
      const res = await adminFn(event(method, path, '10.0.0.1', body, { authorization: `Bearer ${ADMIN_TOKEN}` }));
      expectStatus(res, [200], `${method} ${path}`);
    };

    // Load every script once (the first EVALSHA of a fresh database adds a SCRIPT LOAD/EVAL).
    await read(cacheFn, '/c/marketing/cost/warm', newIp(), 'MISS');
    await read(cacheFn, '/c/api/cost/warm', newIp(), 'MISS');
    await read(cacheFn, '/c/api/cost/warm', newIp(), 'HIT');

    const hitIp = newIp();
    await measure('hit', samples, () => read(cacheFn, '/c/marketing/cost/hit', hitIp, 'HIT'),
      () => read(cacheFn, '/c/marketing/cost/hit', hitIp, 'MISS'));
    const exactIp = newIp();
    await measure('hit-exact', samples, () => read(cacheFn, '/c/api/cost/hit', exactIp, 'HIT'),
      () => read(cacheFn, '/c/api/cost/hit', exactIp, 'MISS'));
    await measure('miss', samples, (i) => read(cacheFn, `/c/marketing/cost/miss-${i}`, newIp(), 'MISS'));
    // The request that finds an entry stale refreshes it (and answers with the fresh copy, MISS);
    // only concurrent readers meanwhile are served STALE.
    await measure('stale', samples, (i) => read(cacheFn, `/c/marketing/cost/stale-${i}`, newIp(), ['STALE', 'MISS']), async () => {
      for (let i = 0; i < samples; i++) {
        await read(cacheFn, `/c/marketing/cost/stale-${i}`, newIp(), 'MISS');
        const key = requestTarget('dev', marketing, `cost/stale-${i}`, {}, {}).key;
        const entry = decodeEnvelope(String(await cacheDb.get(key)));
        const { value } = encodeEnvelope({ ...entry, storedAtMs: entry.storedAtMs - (entry.ttlSeconds + 1) * 1000 });
        await cacheDb.set(key, value, 'PX', 60_000);
      }
    });
    // The first read after a bypass change reinstalls the flag's mirror: measure the steady state.
    await measure('bypass', samples, () => read(cacheFn, '/c/marketing/cost/bypassed', newIp(), 'BYPASS'), async () => {
      await admin('POST', '/admin/bypass', { surface: 'marketing', enabled: true, ttlSeconds: 600 });
      await read(cacheFn, '/c/marketing/cost/bypassed', newIp(), 'BYPASS');
    });
    await admin('POST', '/admin/bypass', { surface: 'marketing', enabled: false });

    // 429: exhaust a client's limit (600 origin-bound reads for marketing, 300 reads for api; more
    // when a check timed out and failed open on a busy machine), then measure.
    const exhaust = async (ip: string, path: (i: number) => string) => {
      for (let i = 0; i < 3000; i++) if ((await cacheFn(event('GET', path(i), ip))).statusCode === 429) return;
      throw new Error(`${ip} was never rate limited`);
    };
    const limitedIp = newIp();
    await measure('rate-limited', samples, () => read(cacheFn, '/c/marketing/cost/hit', limitedIp, 429),
      () => exhaust(limitedIp, (i) => `/c/marketing/cost/limit-${i}`));
    const limitedExactIp = newIp();
    await measure('rate-limited-exact', samples, () => read(cacheFn, '/c/api/cost/hit', limitedExactIp, 429),
      () => exhaust(limitedExactIp, () => '/c/api/cost/hit'));

    // Admin operations (the admin rate limit is 60 a minute per token: few samples each).
    const adminSamples = Math.min(samples, 5);
    await measure('admin-invalidate-keys', adminSamples, (i) => admin('POST', '/admin/invalidate', { keys: [requestTarget('dev', marketing, `cost/miss-${i}`, {}, {}).key] }));
    await sleep(0);
    await measure('admin-invalidate-prefix', adminSamples, (i) => admin('POST', '/admin/invalidate', { prefix: `dev:marketing:cost.p${i}-` }), async () => {
      for (let i = 0; i < adminSamples; i++) for (let k = 0; k < 10; k++) await cacheDb.set(`dev:marketing:cost.p${i}-${k}:default`, 'x', 'EX', 600);
    });
    await measure('admin-invalidate-event', adminSamples, (i) => admin('POST', '/admin/invalidate', { event: 'article.published', data: { slug: `post-${i}`, category: 'news' } }));
    await measure('admin-surface-bump', adminSamples, () => admin('POST', '/admin/invalidate', { surface: 'marketing', bump: true }));
    await measure('admin-bypass', adminSamples, () => admin('POST', '/admin/bypass', { surface: 'api', enabled: true, ttlSeconds: 60 }));
    await admin('POST', '/admin/bypass', { surface: 'api', enabled: false });
    await measure('admin-allowlist', adminSamples, (i) => admin('POST', '/admin/allowlist', { ip: `151.101.1.${i + 1}`, ttlSeconds: 60 }));
    await measure('admin-status', adminSamples, () => admin('GET', '/admin/status'));

    // Warmup: a run of 1 target and a run of 1 + n targets; an entry costs the difference / n.
    const target = (i: number) => ({ surface: 'marketing', path: `cost/warm-${i}` });
    const warmupRun = async (targets: { surface: string; path: string }[]) => {
      const fn = await createWarmupFunction({ env, manifest: { targets, concurrency: 4, ratePerSecond: 1000 } });
      meter.reset();
      const started = performance.now();
      const report = await fn();
      if (report.warmed !== targets.length) throw new Error(`warmup warmed ${report.warmed} of ${targets.length}`);
      return { ...meter.read(), ms: performance.now() - started };
    };
    const one = await warmupRun([target(1000)]);
    const many = await warmupRun(Array.from({ length: samples + 1 }, (_, i) => target(2000 + i)));
    kinds['warmup-entry'] = per(diff(many, one), samples, [(many.ms - one.ms) / samples]);

    // Audit: batches of 100 over what the cache database holds now, plus more entries.
    for (let i = 0; i < 300; i++) await cacheDb.set(`dev:marketing:cost.audit-${i}:default`, 'not-an-envelope', 'EX', 600);
    const audit = await createAuditFunction({ env: { ...env, AUDIT_BATCH_SIZE: '100', AUDIT_DRY_RUN: 'true' } });
    meter.reset();
    const auditStarted = performance.now();
    const report = await audit({ restart: true });
    const auditMs = performance.now() - auditStarted;
    if (report.batches < 1) throw new Error('the audit ran no batch');
    kinds['audit-batch'] = per(meter.read(), report.batches, [auditMs / report.batches]);

    // The metrics flush: one script whatever the instance recorded.
    kinds['metrics-flush'] = { cache: 0, guardrails: 1, upstashRequests: 1, byCommand: { EVAL: 1 }, localMs: 0, samples: 1 };

    // The figure, everything counted: hits of one page at a steady pace.
    const hits = opts.defaultHits ?? 500;
    const rate = opts.defaultHitRate ?? 100;
    const runIp = newIp();
    await read(cacheFn, '/c/marketing/cost/default-run', runIp, 'MISS');
    meter.reset();
    const runStarted = performance.now();
    for (let i = 0; i < hits; i++) {
      await read(cacheFn, '/c/marketing/cost/default-run', runIp, 'HIT');
      const due = runStarted + ((i + 1) * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const run = meter.read();
    const billedPerHit = Math.round(((run.cache + run.guardrails + run.flushes) / hits) * 10_000) / 10_000;
    return {
      kinds: kinds as Record<RequestKind, MeasuredCost>,
      defaultHitRun: { hits, ratePerSecond: rate, billedPerHit, flushes: run.flushes },
    };
  } finally {
    while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
  }
}

function diff(a: ReturnType<Meter['read']>, b: ReturnType<Meter['read']>): ReturnType<Meter['read']> {
  const byCommand: Record<string, number> = {};
  for (const name of new Set([...Object.keys(a.byCommand), ...Object.keys(b.byCommand)])) {
    const d = (a.byCommand[name] ?? 0) - (b.byCommand[name] ?? 0);
    if (d !== 0) byCommand[name] = d;
  }
  return { cache: a.cache - b.cache, guardrails: a.guardrails - b.guardrails, requests: a.requests - b.requests, byCommand, flushes: a.flushes - b.flushes };
}
