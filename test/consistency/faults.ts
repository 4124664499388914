/**
 * Fault injectors of the consistency workload. Each one starts a fault on the cluster and returns
 * the function that clears it, plus what it did. Nothing is simulated but the instance freeze: Redis
 * is really stopped, killed, slowed and made to evict; the REST servers really answer 500s or
 * garbage; keys are really deleted.
 */
import type { Cluster } from './cluster';
import type { SeededRandom } from './random';

export const FAULT_KINDS = [
  'redis-pause', 'redis-restart', 'redis-slow', 'upstash-500', 'upstash-garbage', 'eviction', 'key-loss', 'instance-freeze',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Past the engine's 500 ms Redis timeout. */
const SLOW_DELAY_MS = 800;
const JUNK_BYTES = 16 * 1024;

export interface InjectedFault {
  readonly detail: string;
  /** The instance whose origin answers are held (instance-freeze). */
  readonly instance?: number;
  /** Ends the fault; resolves with anything learned meanwhile. */
  clear(): Promise<string>;
}

export interface FaultContext {
  readonly cluster: Cluster;
  readonly random: SeededRandom;
  /** Called when an instance is frozen or thawed, so the driver sends it nothing meanwhile. */
  readonly onFreeze: (instance: number, frozen: boolean) => void;
  /**
   * Makes the (frozen) instance refresh a path: the driver drops its entry, starts a recorded read
   * there and resolves with the path once the origin has the request (held until the thaw).
   */
  readonly refreshOn: (instance: number) => Promise<string>;
}

async function evictedKeys(ctx: FaultContext): Promise<number> {
  return Number(/evicted_keys:(\d+)/.exec(await ctx.cluster.cacheDb.info('stats'))?.[1] ?? '0');
}

/**
 * Deletes an arbitrary subset of the keys in the cache database, chosen adversarially: a random
 * share of every key (entries, generations, flags, locks), or only what is not an entry
 * (generations, flags, locks: what an invalidation or a bypass lives in), or a single key.
 */
async function deleteKeySubset(ctx: FaultContext): Promise<string> {
  // With a further cache database, either one loses keys.
  const shardDb = ctx.cluster.cacheShardDb;
  const db = shardDb && ctx.random.chance(0.5) ? shardDb : ctx.cluster.cacheDb;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await db.scan(cursor, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const metadata = (k: string): boolean => /^[^:]+:(gen|flag|lock):/.test(k);
  const strategy = ctx.random.pick(['share', 'metadata', 'one'] as const);
  const share = ctx.random.pick([0.1, 0.5, 0.9]);
  const doomed = strategy === 'share' ? keys.filter(() => ctx.random.chance(share))
    : strategy === 'metadata' ? keys.filter(metadata)
      : keys.length > 0 ? [ctx.random.pick(keys)] : [];
  if (doomed.length > 0) await db.del(...doomed);
  const what = strategy === 'share' ? `${Math.round(share * 100)} % of the keys` : strategy === 'metadata' ? 'every generation, flag and lock' : 'one key';
  const where = db === shardDb ? ' of the further cache database' : '';
  return `deleted ${what}${where}: ${doomed.length} of ${keys.length} (${doomed.filter(metadata).length} generations/flags/locks)`;
}

/**
 * Real eviction: maxmemory just above what the cache database uses, then junk writes (half with a
 * TTL) so redis-server evicts random keys (`allkeys-random`) while the workload runs.
 */
async function evict(ctx: FaultContext): Promise<InjectedFault> {
  const db = ctx.cluster.cacheDb;
  const before = await evictedKeys(ctx);
  const used = Number(/used_memory:(\d+)/.exec(await db.info('memory'))?.[1] ?? '0');
  await db.config('SET', 'maxmemory', String(used + 4 * JUNK_BYTES));
  let writing = true;
  const junk = (async () => {
    for (let i = 0; writing; i++) {
      const value = 'j'.repeat(JUNK_BYTES);
      await (i % 2 === 0 ? db.set(`junk:${i}`, value, 'EX', 600) : db.set(`junk:${i}`, value)).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    detail: `maxmemory ${used + 4 * JUNK_BYTES} bytes`,
    async clear() {
      writing = false;
      await junk;
      await db.config('SET', 'maxmemory', '256mb');
      return `${(await evictedKeys(ctx)) - before} keys evicted`;
    },
  };
}

export async function injectFault(kind: FaultKind, ctx: FaultContext): Promise<InjectedFault> {
  const { cluster, random } = ctx;
  const done = (detail: string, clear: () => Promise<unknown>): InjectedFault => ({ detail, clear: async () => { await clear(); return ''; } });
  switch (kind) {
    case 'redis-pause': {
      const target = random.chance(0.7) ? 'cache' : 'guardrails';
      const redis = target === 'cache' ? cluster.cacheRedis : cluster.guardrailsRedis;
      redis.pause();
      return done(`SIGSTOP ${target} redis-server`, async () => redis.resume());
    }
    case 'redis-restart':
      await cluster.cacheRedis.kill();
      return done('SIGKILL cache redis-server', () => cluster.cacheRedis.restart());
    case 'redis-slow':
      cluster.proxy.setDelay(SLOW_DELAY_MS);
      return done(`cache redis-server ${SLOW_DELAY_MS} ms slower each way`, async () => cluster.proxy.setDelay(0));
    case 'upstash-500':
    case 'upstash-garbage': {
      const cacheTarget = cluster.upstash.cacheShard && random.chance(0.5) ? 'cacheShard' : 'cache';
      const target = random.chance(0.7) ? cacheTarget : 'guardrails';
      const server = cluster.upstash[target] as NonNullable<Cluster['upstash'][typeof target]>;
      server.setFault(kind === 'upstash-500' ? 'http500' : 'garbage');
      return done(`${target} REST server answers ${kind === 'upstash-500' ? '500' : 'garbage'}`, async () => server.setFault('none'));
    }
    case 'eviction':
      return evict(ctx);
    case 'key-loss': {
      const detail = await deleteKeySubset(ctx);
      return done(detail, async () => undefined);
    }
    case 'instance-freeze': {
      const instance = random.int(0, cluster.instances.length - 1);
      ctx.onFreeze(instance, true);
      cluster.freeze(instance);
      const path = await ctx.refreshOn(instance);
      return {
        ...done(`instance ${instance} frozen mid-refresh of ${path}`, async () => {
          cluster.thaw(instance);
          ctx.onFreeze(instance, false);
        }),
        instance,
      };
    }
  }
}
