/**
 * Invalidation figures from one run, on a real redis-server behind the local Upstash server
 * (a target of report-targets.ts):
 * - cost of a surface invalidation (generation bump) with 10 and with 100,000 entries present
 *   (target: the same, O(1), <= 5 ms locally), and the Redis commands one bump sends (constant);
 * - time until every one of 8 engine instances serves the new content after the bump (target <= 1 s).
 * Run: `npx tsx bench/invalidation.bench.ts`; `run()` returns the figures for `bench/run.ts`.
 */
import { Redis } from '@upstash/redis';
import IORedis from 'ioredis';
import { environment } from '../config/environments';
import type { EnvironmentConfig } from '../config/types';
import { CacheInvalidationManager } from '../lambdas/admin/invalidation-manager';
import { CacheRouter } from '../lambdas/cache/cache-router';
import { CacheEngine } from '../lambdas/engine/cache-engine';
import { startDemoOrigin } from '../local/demo-origin';
import { startRedisServer } from '../local/redis-process';
import { startUpstashServer } from '../local/upstash-server';

export interface InvalidationBenchOptions {
  /** @default 10 */
  readonly smallKeyCount?: number;
  /** @default 100000 */
  readonly largeKeyCount?: number;
  /** Bumps timed per key count. @default 200 */
  readonly bumps?: number;
  /** Engine instances that must see the bump. @default 8 */
  readonly instances?: number;
}

export interface BumpFigure {
  readonly keysPresent: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  /** Redis commands the local server received per bump. */
  readonly commandsPerBump: number;
  /** Keys in the database before and after the bumps (a bump deletes nothing). */
  readonly dbsizeBefore: number;
  readonly dbsizeAfter: number;
}

export interface PropagationFigure {
  readonly instances: number;
  /** Instances that served the new content before the 5 s give-up. */
  readonly instancesUpdated: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

export interface InvalidationBenchResult {
  readonly bumps: readonly BumpFigure[];
  /** Median bump time with many keys / with few; about 1 when the bump is O(1). */
  readonly costRatio: number;
  readonly propagation: PropagationFigure;
  readonly targets: { readonly constantCommands: boolean; readonly bumpUnder5Ms: boolean; readonly propagationUnder1s: boolean };
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Adds entries `from` .. `to - 1` of the surface to the cache database, straight through redis-server. */
async function seed(redisUrl: string, from: number, to: number): Promise<void> {
  const conn = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    for (let start = from; start < to; start += 1000) {
      const batch: string[] = [];
      for (let i = start; i < Math.min(to, start + 1000); i++) batch.push(`dev:marketing:seed.p${i}:default`, 'x'.repeat(64));
      await conn.mset(...batch);
    }
  } finally {
    conn.disconnect();
  }
}

export async function run(options: InvalidationBenchOptions = {}): Promise<InvalidationBenchResult> {
  const smallKeyCount = options.smallKeyCount ?? 10;
  const largeKeyCount = options.largeKeyCount ?? 100_000;
  const bumps = options.bumps ?? 200;
  const instances = options.instances ?? 8;
  const redisProcess = await startRedisServer();
  const cleanups: (() => Promise<unknown>)[] = [() => redisProcess.stop()];
  try {
    // The guardrails database (authoritative generations) on db 1 of the same redis-server.
    const [server, guardrailsServer, origin] = await Promise.all([
      startUpstashServer({ redisUrl: redisProcess.url }), startUpstashServer({ redisUrl: redisProcess.url, db: 1 }), startDemoOrigin(),
    ]);
    cleanups.push(() => server.close(), () => guardrailsServer.close(), () => origin.close());
    const client = (): Redis => new Redis({ url: server.url, token: server.token, automaticDeserialization: false, enableTelemetry: false });
    const guardrailsClient = (): Redis =>
      new Redis({ url: guardrailsServer.url, token: guardrailsServer.token, automaticDeserialization: false, enableTelemetry: false });
    const redis = client();
    const guardrails = guardrailsClient();
    const base = environment('dev');
    const env: EnvironmentConfig = {
      ...base,
      surfaces: base.surfaces.map((s) => ({ ...s, originUrl: `${origin.url}/${s.name}` })),
    };
    const manager = new CacheInvalidationManager({ redis, guardrails, env: env.name, surfaces: env.surfaces });

    const figures: BumpFigure[] = [];
    let seeded = 0;
    for (const keysPresent of [smallKeyCount, largeKeyCount]) {
      await seed(redisProcess.url, seeded, keysPresent);
      seeded = keysPresent;
      const dbsizeBefore = await redis.dbsize();
      await manager.bumpSurface('marketing'); // warm the connection
      server.clearCommandLog();
      guardrailsServer.clearCommandLog();
      const times: number[] = [];
      for (let i = 0; i < bumps; i++) {
        const started = performance.now();
        await manager.bumpSurface('marketing');
        times.push(performance.now() - started);
      }
      // Both databases: the guardrails SET, then the cache database's DEL of the mirror.
      const commands = [server, guardrailsServer].reduce((n, s) => n + s.commandLog().reduce((m, entry) => m + entry.commands.length, 0), 0);
      times.sort((a, b) => a - b);
      figures.push({
        keysPresent,
        medianMs: round(percentile(times, 50)),
        p99Ms: round(percentile(times, 99)),
        commandsPerBump: commands / bumps,
        dbsizeBefore,
        dbsizeAfter: await redis.dbsize(),
      });
    }

    // Propagation: every instance caches the page, then one bump; each polls until it serves new content.
    const engines = Array.from({ length: instances }, () => {
      const redis = client();
      return new CacheRouter({ engine: new CacheEngine({ env, redis, guardrails: guardrailsClient() }), cacheRedis: redis, redisTimeoutMs: 2000 });
    });
    const path = '/c/marketing/bench/propagation';
    const body = async (engine: CacheRouter): Promise<string> => String((await engine.handle({ method: 'GET', path })).body);
    const before = await body(engines[0]);
    for (const engine of engines) await body(engine);
    await manager.bumpSurface('marketing');
    const bumpedAt = performance.now();
    const seen = await Promise.all(
      engines.map(async (engine) => {
        while (performance.now() - bumpedAt < 5000) {
          if ((await body(engine)) !== before) return performance.now() - bumpedAt;
          await new Promise((r) => setTimeout(r, 5));
        }
        return undefined;
      }),
    );
    const updated = seen.filter((ms): ms is number => ms !== undefined).sort((a, b) => a - b);
    const propagation: PropagationFigure = {
      instances,
      instancesUpdated: updated.length,
      medianMs: round(percentile(updated, 50)),
      maxMs: round(updated[updated.length - 1] ?? Number.POSITIVE_INFINITY),
    };
    const [small, large] = figures;
    return {
      bumps: figures,
      costRatio: round(large.medianMs / Math.max(small.medianMs, 0.001)),
      propagation,
      targets: {
        constantCommands: small.commandsPerBump === large.commandsPerBump,
        bumpUnder5Ms: large.medianMs <= 5,
        propagationUnder1s: propagation.instancesUpdated === instances && propagation.maxMs <= 1000,
      },
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

if (require.main === module) {
  run().then(
    (r) => {
      console.log('invalidation benchmark (real redis-server behind the local Upstash REST server)');
      for (const b of r.bumps) {
        console.log(
          `  surface bump with ${String(b.keysPresent).padStart(6)} keys present: median ${b.medianMs} ms, p99 ${b.p99Ms} ms, ` +
            `${b.commandsPerBump} Redis command(s) per bump, keys ${b.dbsizeBefore} -> ${b.dbsizeAfter}`,
        );
      }
      console.log(`  cost ratio (many keys / few keys): ${r.costRatio}x (O(1) when about 1)`);
      console.log(
        `  propagation to ${r.propagation.instancesUpdated}/${r.propagation.instances} instances: median ${r.propagation.medianMs} ms, max ${r.propagation.maxMs} ms (target <= 1000 ms)`,
      );
      console.log(`  targets: ${JSON.stringify(r.targets)}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
