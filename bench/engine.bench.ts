/**
 * Cache engine figures from one run, on a real redis-server behind the local Upstash server
 * (a target of report-targets.ts):
 * - requests to Upstash per cache hit, counted at the local server (target 1);
 * - hit throughput of the engine vs a bare `@upstash/redis` GET of the same key through the same
 *   server (target >= 0.9x), sequential and with 16 requests in flight; beside it, the same GET
 *   with the engine's client settings (plain JSON replies) and a bare MGET of the keys a hit reads;
 * - origin calls and p50/p99 latency for 1,000 concurrent requests to one cold key across 8 engine
 *   instances (target 1 call), against a naive cache-aside reader and bentocache with a Redis L2.
 * Run: `npx tsx bench/engine.bench.ts`; `run()` returns the figures for `bench/run.ts`.
 */
import { Redis } from '@upstash/redis';
import { DEFAULT_READ_POLICY } from '../config/surfaces';
import type { EnvironmentConfig } from '../config/types';
import { CacheRouter, type CacheRequest } from '../lambdas/cache/cache-router';
import { CacheEngine, type CacheEngineOptions } from '../lambdas/engine/cache-engine';
import { GENERATION_ABSENT, surfaceStateValue } from '../lambdas/engine/cache-state';
import type { CredentialsSource } from '../lambdas/shared/credentials';
import { createUpstashClient } from '../lambdas/shared/upstash';
import { startRedisServer } from '../local/redis-process';
import { startUpstashServer, type LocalUpstashServer } from '../local/upstash-server';
import { bentocacheReader, naiveCacheAside, startBenchOrigin } from './engine-baselines';
import { startUpstashProcess } from './engine-upstash-process';

const INSTANCES = 8;
const STAMPEDE_REQUESTS = 1000;
const ORIGIN_DELAY_MS = 50;
/** Short slices, many rounds: this shared VM's speed drifts by a quarter within seconds. */
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 150);
/** As `lambdas/cache/handler.ts` configures it: the client times out each request itself. */
const HANDLER_BREAKER = { timeoutMs: 0 };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 24);

export interface ThroughputFigure {
  readonly inFlight: number;
  readonly engineOpsPerSec: number;
  readonly bareGetOpsPerSec: number;
  /** The same GET through the client the engine uses (`createUpstashClient`: our transport, plain replies). */
  readonly clientGetOpsPerSec: number;
  /** An MGET of the three keys the hit path reads, through that client: the floor of any one-round-trip design. */
  readonly clientMgetOpsPerSec: number;
  /** Median over rounds of engine / bare GET; target >= 0.9 */
  readonly ratio: number;
  /** Median over rounds of engine / GET through the engine's own client: like for like on the transport. */
  readonly ratioVsClientGet: number;
  /** Median over rounds of engine / MGET of the same three keys through that client: the engine's own overhead. */
  readonly ratioVsClientMget: number;
  /** Median over rounds of the engine client's GET / bare GET: what its client alone changes (our transport, plain replies). */
  readonly transportRatio: number;
}

export interface StampedeFigure {
  readonly contender: 'engine' | 'naive-cache-aside' | 'bentocache-redis-l2';
  readonly instances: number;
  readonly requests: number;
  readonly originCalls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface EngineBenchResult {
  readonly upstashRequestsPerHit: number;
  /** The engine's own CPU per hit (Redis answered from memory with the real stored entry): machine-load independent. */
  readonly engineCpuMicrosPerHit: number;
  readonly hitThroughput: readonly ThroughputFigure[];
  readonly stampede: readonly StampedeFigure[];
  readonly targets: { readonly requestsPerHit: boolean; readonly throughputRatio: boolean; readonly stampedeOriginCalls: boolean };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function env(originUrl: string): Pick<EnvironmentConfig, 'name' | 'surfaces' | 'runtime'> {
  return {
    name: 'dev',
    surfaces: [{
      name: 'api', originUrl, ttlSeconds: 300, staleWhileRevalidateSeconds: 60, varyQuery: [], varyHeaders: [],
      storedHeaders: ['content-type'], rateLimit: DEFAULT_READ_POLICY, originTimeoutMs: 5000,
    }],
    runtime: { maxItemBytes: 1024 * 1024, redisTimeoutMs: 2000, maxInflight: 10_000, requestTimeoutMs: 10_000 },
  };
}

const request = (path: string): CacheRequest => ({ method: 'GET', path, headers: {}, query: {} });

/** Operations per second of `op`, run by `inFlight` loops for `ms`. */
async function opsPerSecond(inFlight: number, ms: number, op: (worker: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async (_, w) => {
    while (performance.now() < until) {
      await op(w);
      done += 1;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

async function stampede(
  contender: StampedeFigure['contender'], originCalls: () => number,
  readers: readonly ((i: number) => Promise<unknown>)[],
): Promise<StampedeFigure> {
  const before = originCalls();
  const started = performance.now();
  const latencies = await Promise.all(Array.from({ length: STAMPEDE_REQUESTS }, async (_, i) => {
    await (readers[i % readers.length] as (i: number) => Promise<unknown>)(i);
    return performance.now() - started;
  }));
  latencies.sort((a, b) => a - b);
  return {
    contender, instances: readers.length, requests: STAMPEDE_REQUESTS, originCalls: originCalls() - before,
    p50Ms: Math.round(percentile(latencies, 50) * 10) / 10, p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
  };
}

/**
 * The engine behind the cache function's router, as the handler serves it. One database plays both
 * roles here (authoritative keys have names of their own); a hit reads only the cache database.
 */
function cacheFunction(opts: Omit<CacheEngineOptions, 'guardrails'>): CacheRouter {
  return new CacheRouter({ engine: new CacheEngine({ ...opts, guardrails: opts.redis }), cacheRedis: opts.redis, redisTimeoutMs: 2000 });
}

function staticCredentials(server: LocalUpstashServer): CredentialsSource {
  const creds = { url: server.url, token: server.token };
  return { get: async () => creds, refresh: async () => creds };
}

export async function run(): Promise<EngineBenchResult> {
  const redisProcess = await startRedisServer();
  const server = await startUpstashServer({ redisUrl: redisProcess.url });
  const origin = await startBenchOrigin(ORIGIN_DELAY_MS);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const engines = await Promise.all(Array.from({ length: INSTANCES }, async () =>
      cacheFunction({
        env: env(origin.url), xfetchBeta: 0, breaker: HANDLER_BREAKER,
        redis: await createUpstashClient(staticCredentials(server), { timeoutMs: 2000 }),
      })));
    const engine = engines[0] as CacheRouter;

    // Requests per hit, counted at the (in-process) server.
    for (let k = 0; k < 16; k++) await engine.handle(request(`/c/api/hot/${k}`));
    server.resetRequestCount();
    const HITS = 200;
    for (let i = 0; i < HITS; i++) {
      const res = await engine.handle(request('/c/api/hot/0'));
      if (res.headers['x-cache'] !== 'HIT') throw new Error(`expected a HIT, got ${res.headers['x-cache']}`);
    }
    const upstashRequestsPerHit = server.requestCount() / HITS;

    // The engine's own CPU per hit: the same entry, with Redis answered from memory.
    const stored = await createUpstashClient(staticCredentials(server)).then((r) => r.get<string>('dev:api:hot.0:default'));
    const inMemory = cacheFunction({
      env: env(origin.url), xfetchBeta: 0, breaker: HANDLER_BREAKER, redis: { mget: async () => [stored, surfaceStateValue(GENERATION_ABSENT, false), GENERATION_ABSENT] } as unknown as Redis,
    });
    let engineCpuMicrosPerHit = Infinity;
    for (let round = 0; round < 5; round++) {
      const n = 5000;
      const started = performance.now();
      for (let i = 0; i < n; i++) await inMemory.handle(request('/c/api/hot/0'));
      engineCpuMicrosPerHit = Math.min(engineCpuMicrosPerHit, Math.round(((performance.now() - started) * 1000) / n * 10) / 10);
    }

    // Hit throughput, engine vs a bare `@upstash/redis` GET of the same key (the target), and like for
    // like vs a GET and an MGET of the three keys the hit path reads through the engine's own client
    // (our transport, lambdas/shared/upstash-http.ts), against the local server in its own process
    // (Upstash is remote: the client must not share an event loop with the server). Short slices in rotating order, so load from
    // anything else on the machine falls on every contender alike; ratios are medians per round.
    const remote = await startUpstashProcess();
    closers.push(() => remote.stop());
    const remoteCreds = { url: remote.url, token: remote.token };
    const client = await createUpstashClient({ get: async () => remoteCreds, refresh: async () => remoteCreds }, { timeoutMs: 2000 });
    const remoteEngine = cacheFunction({ env: env(origin.url), xfetchBeta: 0, breaker: HANDLER_BREAKER, redis: client });
    const bare = new Redis({ url: remote.url, token: remote.token, automaticDeserialization: false, enableTelemetry: false });
    for (let k = 0; k < 16; k++) await remoteEngine.handle(request(`/c/api/hot/${k}`));
    const hitThroughput: ThroughputFigure[] = [];
    for (const inFlight of [1, 16]) {
      const ops = {
        engine: (w: number) => remoteEngine.handle(request(`/c/api/hot/${w}`)),
        get: (w: number) => bare.get(`dev:api:hot.${w}:default`),
        clientGet: (w: number) => client.get(`dev:api:hot.${w}:default`),
        clientMget: (w: number) => client.mget(`dev:api:hot.${w}:default`, 'dev:state:api', `dev:gen:api:hot.${w}`),
      };
      const names = Object.keys(ops) as (keyof typeof ops)[];
      const totals = { engine: 0, get: 0, clientGet: 0, clientMget: 0 };
      const vsGet: number[] = [];
      const vsClientGet: number[] = [];
      const vsClientMget: number[] = [];
      const transport: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const rate: Record<string, number> = {};
        // Rotate the order every round so no contender always runs first.
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + round) % names.length] as keyof typeof ops;
          rate[name] = await opsPerSecond(inFlight, SLICE_MS, ops[name]);
          totals[name] += rate[name] as number;
        }
        vsGet.push((rate.engine as number) / (rate.get as number));
        vsClientGet.push((rate.engine as number) / (rate.clientGet as number));
        vsClientMget.push((rate.engine as number) / (rate.clientMget as number));
        transport.push((rate.clientGet as number) / (rate.get as number));
      }
      const median = (xs: number[]) => Math.round(percentile([...xs].sort((a, b) => a - b), 50) * 100) / 100;
      hitThroughput.push({
        inFlight,
        engineOpsPerSec: Math.round(totals.engine / ROUNDS),
        bareGetOpsPerSec: Math.round(totals.get / ROUNDS),
        clientGetOpsPerSec: Math.round(totals.clientGet / ROUNDS),
        clientMgetOpsPerSec: Math.round(totals.clientMget / ROUNDS),
        ratio: median(vsGet),
        ratioVsClientGet: median(vsClientGet),
        ratioVsClientMget: median(vsClientMget),
        transportRatio: median(transport),
      });
    }

    // Stampedes on one cold key each.
    const figures: StampedeFigure[] = [];
    figures.push(await stampede('engine', origin.calls, engines.map((e) => () => e.handle(request('/c/api/cold/engine')))));
    const naive = engines.map(() => naiveCacheAside(
      new Redis({ url: server.url, token: server.token, automaticDeserialization: false, enableTelemetry: false }), origin.url));
    figures.push(await stampede('naive-cache-aside', origin.calls, naive.map((read) => () => read('naive:cold', '/cold/naive'))));
    const bentos = await Promise.all(engines.map(() => bentocacheReader(redisProcess.port, origin.url)));
    closers.push(...bentos.map((b) => () => b.close()));
    figures.push(await stampede('bentocache-redis-l2', origin.calls, bentos.map((b) => () => b.read('bento:cold', '/cold/bento'))));

    const ratios = hitThroughput.map((t) => t.ratio);
    return {
      upstashRequestsPerHit,
      engineCpuMicrosPerHit,
      hitThroughput,
      stampede: figures,
      targets: {
        requestsPerHit: upstashRequestsPerHit === 1,
        throughputRatio: Math.min(...ratios) >= 0.9,
        stampedeOriginCalls: figures[0]?.originCalls === 1,
      },
    };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await origin.close();
    await server.close();
    await redisProcess.stop();
  }
}

export function print(r: EngineBenchResult): void {
  console.log('cache engine benchmark (real redis-server behind the local Upstash REST server; throughput against it in a child process)');
  console.log(`  Upstash requests per cache hit: ${r.upstashRequestsPerHit} (target 1) ${r.targets.requestsPerHit ? 'OK' : 'MISSED'}`);
  console.log(`  engine CPU per hit (Redis answered from memory): ${r.engineCpuMicrosPerHit} µs`);
  for (const t of r.hitThroughput) {
    console.log(`  hit throughput, ${t.inFlight} in flight: engine ${t.engineOpsPerSec}/s vs bare GET ${t.bareGetOpsPerSec}/s = ${t.ratio}x (target >= 0.9x);`
      + ` like for like, through the engine's own client: vs its GET ${t.clientGetOpsPerSec}/s = ${t.ratioVsClientGet}x,`
      + ` vs its MGET of the same 3 keys ${t.clientMgetOpsPerSec}/s = ${t.ratioVsClientMget}x; its client alone (our transport, plain replies: its GET vs bare GET) ${t.transportRatio}x`);
  }
  console.log(`  ${STAMPEDE_REQUESTS} concurrent requests, one cold key, ${INSTANCES} instances, origin ${ORIGIN_DELAY_MS} ms:`);
  for (const s of r.stampede) {
    console.log(`    ${s.contender.padEnd(20)} origin calls ${String(s.originCalls).padStart(4)}   p50 ${s.p50Ms} ms   p99 ${s.p99Ms} ms`);
  }
  console.log(`  targets: ${JSON.stringify(r.targets)}`);
}

if (require.main === module) {
  run().then(print).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
