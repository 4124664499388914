/**
 * Cost per request: billed Upstash commands per database and HTTP requests for every kind of
 * request (`./request-costs.ts`), turned into dollars per million at the list prices of
 * `cost/prices.ts` (Lambda GB-seconds at two stated round-trip times to Upstash); the issue's
 * figure (500 hits of one marketing page, everything counted); and, for each rate-limit scope,
 * commands per hit beside rate-limit accuracy (5,000 concurrent reads of one client at limit 100).
 * Target (DESIGN.md section 7): billed commands per marketing hit in the default config ≤ 1.1.
 * Run: `npx tsx bench/cost.bench.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { environment } from '../config/environments';
import type { RateLimitScope, SurfaceConfig } from '../config/types';
import { DEFAULT_PARAMETERS, dollarsPerMillion } from '../cost/capacity-model';
import { REQUEST_KINDS, REQUEST_KIND_NAMES, type RequestKind } from '../cost/request-kinds';
import { REQUEST_PROFILE } from '../cost/request-profile';
import { CacheEngine } from '../lambdas/engine/cache-engine';
import { RateLimiterManager } from '../lambdas/guardrails/rate-limiter';
import { createUpstashClient } from '../lambdas/shared/upstash';
import { startRedisServer } from '../local/redis-process';
import { startUpstashServer, type LocalUpstashServer } from '../local/upstash-server';
import { measureRequestCosts, type MeasuredCost } from './request-costs';

const CONCURRENT = 5_000;
const LIMIT = 100;
const RTTS_MS = [5, 50];

export interface KindRow extends MeasuredCost {
  readonly kind: RequestKind;
  readonly label: string;
  /** What the capacity model assumes (`cost/request-profile.ts`). */
  readonly modelCache: number;
  readonly modelGuardrails: number;
  /** USD per million requests at each round-trip time (prod settings). */
  readonly usdPerMillion: readonly { rttMs: number; upstash: number; lambda: number; httpApi: number; total: number }[];
}

export interface ScopeRow {
  readonly scope: RateLimitScope;
  /** Billed commands per hit, both databases. */
  readonly commandsPerHit: number;
  /** Of 5,000 concurrent hits of one cached page by one client at limit 100. */
  readonly hitsServed: number;
  /** Of 5,000 concurrent misses (distinct pages) by one client at limit 100: how many reached the origin. */
  readonly missesAllowed: number;
}

export interface CostBenchResult {
  readonly kinds: readonly KindRow[];
  readonly defaultHitRun: { hits: number; ratePerSecond: number; billedPerHit: number; flushes: number };
  /** The target's figure: billed commands per marketing hit in the default configuration. */
  readonly billedCommandsPerMarketingHit: number;
  readonly scopes: readonly ScopeRow[];
}

async function startCountingOrigin(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<p>${req.url}</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

function billed(server: LocalUpstashServer): number {
  return Object.values(server.billedCommands()).reduce((a, b) => a + b, 0);
}

/** Commands per hit and accuracy of each scope, on one redis-server, one engine per scope. */
async function scopes(): Promise<ScopeRow[]> {
  const redis = await startRedisServer();
  const origin = await startCountingOrigin();
  const servers = await Promise.all([startUpstashServer({ redisUrl: redis.url, db: 0 }), startUpstashServer({ redisUrl: redis.url, db: 1 })]);
  try {
    const [cacheServer, guardrailsServer] = servers;
    const client = (s: LocalUpstashServer) => createUpstashClient({ get: async () => ({ url: s.url, token: s.token }), refresh: async () => ({ url: s.url, token: s.token }) },
      { timeoutMs: 20_000 });
    const base = environment('dev');
    const rows: ScopeRow[] = [];
    for (const scope of ['every-request', 'origin-bound'] as const) {
      const marketing = base.surfaces.find((s) => s.name === 'marketing') as SurfaceConfig;
      const policy = { ...marketing.rateLimit, limit: LIMIT, windowSeconds: 600, failMode: 'closed' as const, timeoutMs: 5_000, scope };
      const surface: SurfaceConfig = { ...marketing, originUrl: `${origin.url}/marketing`, rateLimit: policy };
      const guardrails = await client(guardrailsServer);
      const rateLimiter = new RateLimiterManager({ redis: guardrails, env: 'dev', policies: { marketing: policy } });
      const engine = new CacheEngine({
        env: { name: 'dev', surfaces: [surface], runtime: { ...base.runtime, redisTimeoutMs: 20_000 } },
        // Accuracy, not latency: a 5,000-read burst on a busy 2-core machine may take longer than a request's usual bound.
        redis: await client(cacheServer), guardrails, rateLimiter, xfetchBeta: 0, breaker: { timeoutMs: 0 }, requestTimeoutMs: 120_000,
      });
      const read = (path: string, ip: string) => engine.read({ method: 'GET', surface: 'marketing', path, clientIp: ip, headers: {} });
      // A fresh window per scope: new client IPs and a cached page.
      const page = `scope-${scope}`;
      await read(page, '192.0.2.250');
      const hitIp = scope === 'origin-bound' ? '192.0.2.11' : '192.0.2.10';
      cacheServer.resetBilledCommands();
      guardrailsServer.resetBilledCommands();
      const hits = await Promise.all(Array.from({ length: CONCURRENT }, () => read(page, hitIp)));
      const commandsPerHit = (billed(cacheServer) + billed(guardrailsServer)) / CONCURRENT;
      const before = origin.requests();
      const missIp = scope === 'origin-bound' ? '192.0.2.21' : '192.0.2.20';
      const misses = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => read(`${scope}-miss-${i}`, missIp)));
      const failed = [...hits, ...misses].filter((r) => (r.statusCode ?? 200) >= 500).length;
      const firstFailure = [...hits, ...misses].find((r) => (r.statusCode ?? 200) >= 500);
      if (failed > 0) throw new Error(`${failed} reads failed with 5xx in the ${scope} burst (${firstFailure?.statusCode} ${firstFailure?.body?.slice(0, 200)}): the figures would be meaningless`);
      rows.push({
        scope,
        commandsPerHit: Math.round(commandsPerHit * 1000) / 1000,
        hitsServed: hits.filter((r) => r.statusCode === 200).length,
        missesAllowed: origin.requests() - before,
      });
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await origin.close();
    await redis.stop();
  }
}

export async function run(): Promise<CostBenchResult> {
  const measured = await measureRequestCosts({ samples: 20, defaultHits: 500, defaultHitRate: 100 });
  const prod = environment('prod');
  const kinds: KindRow[] = REQUEST_KIND_NAMES.map((kind) => {
    const m = measured.kinds[kind];
    return {
      kind, label: REQUEST_KINDS[kind].label, ...m,
      modelCache: REQUEST_PROFILE[kind].cache, modelGuardrails: REQUEST_PROFILE[kind].guardrails,
      usdPerMillion: RTTS_MS.map((rttMs) => ({ rttMs, ...dollarsPerMillion(kind, prod, { ...DEFAULT_PARAMETERS, upstashRttMs: rttMs }, m) })),
    };
  });
  const scopeRows = await scopes();
  const result: CostBenchResult = {
    kinds, defaultHitRun: measured.defaultHitRun, billedCommandsPerMarketingHit: measured.defaultHitRun.billedPerHit, scopes: scopeRows,
  };
  print(result);
  return result;
}

function print(r: CostBenchResult): void {
  const money = (v: number) => `$${v.toFixed(2)}`;
  console.log(`cost per request kind (prod settings, list prices of cost/prices.ts; Lambda at ${RTTS_MS.join(' / ')} ms to Upstash)`);
  console.log(`  ${'request'.padEnd(66)} cache guard  reqs  model     Upstash$/M  total$/M @${RTTS_MS.join('/')}ms  local ms`);
  for (const k of r.kinds) {
    const [a, b] = k.usdPerMillion;
    console.log(`  ${k.label.padEnd(66)} ${String(k.cache).padStart(5)} ${String(k.guardrails).padStart(5)} ${String(k.upstashRequests).padStart(5)}  `
      + `${`${k.modelCache}+${k.modelGuardrails}`.padEnd(8)}  ${money(a?.upstash ?? NaN).padStart(10)}  ${money(a?.total ?? NaN)} / ${money(b?.total ?? NaN)}  ${k.localMs}`);
  }
  const d = r.defaultHitRun;
  console.log(`\n${d.hits} hits of one marketing page at ${d.ratePerSecond}/s, default config, everything counted: `
    + `${d.billedPerHit} billed commands per hit (${d.flushes} metrics flush(es)); target ≤ 1.1: ${d.billedPerHit <= 1.1 ? 'met' : 'MISSED'}`);
  console.log(`\nrate-limit scopes: ${CONCURRENT} concurrent reads of one client at limit ${LIMIT}`);
  for (const s of r.scopes) {
    console.log(`  ${s.scope.padEnd(14)} ${s.commandsPerHit} commands per hit; hits served ${s.hitsServed} / ${CONCURRENT}; misses to the origin ${s.missesAllowed} / ${CONCURRENT}`);
  }
}

if (require.main === module) {
  run().then((r) => { process.exitCode = r.billedCommandsPerMarketingHit <= 1.1 ? 0 : 1; }, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
