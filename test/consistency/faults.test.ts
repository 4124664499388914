/**
 * The consistency workload's fault injectors do what they say on real components, and clearing
 * them brings the cluster back: a checker that never saw a fault would prove nothing.
 */
import IORedis from 'ioredis';
import { startCluster, type Cluster } from './cluster';
import { injectFault, type FaultContext } from './faults';
import { SeededRandom } from './random';

let cluster: Cluster;
let guardrailsDb: IORedis;
const frozen: boolean[] = [];
const refreshes: Promise<unknown>[] = [];
const ctx = (seed: number): FaultContext => ({
  cluster,
  random: new SeededRandom(seed),
  onFreeze: (i, f) => { frozen[i] = f; },
  refreshOn: async (i) => {
    refreshes.push(cluster.read(i, 'marketing/refreshing', '192.0.2.2'));
    return 'marketing/refreshing';
  },
});

beforeAll(async () => {
  cluster = await startCluster(2);
  guardrailsDb = new IORedis(cluster.guardrailsRedis.url, { maxRetriesPerRequest: 1 });
  guardrailsDb.on('error', () => undefined);
});
afterAll(async () => {
  guardrailsDb?.disconnect();
  await cluster?.close();
});

async function answers(db: IORedis, withinMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), withinMs); });
  const pong = db.ping().then(() => true, () => false);
  const answered = await Promise.race([pong, late]);
  clearTimeout(timer);
  return answered;
}

async function fill(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await cluster.cacheDb.set(`dev:marketing:page-${i}:default`, 'x'.repeat(1024), 'EX', 600);
}

test('redis-pause stops a redis-server (SIGSTOP) until cleared', async () => {
  const fault = await injectFault('redis-pause', ctx(1));
  const target = fault.detail.includes('cache') ? cluster.cacheDb : guardrailsDb;
  expect(await answers(target, 300)).toBe(false); // a stopped process never answers
  await fault.clear();
  expect(await answers(target, 10_000)).toBe(true);
});

test('redis-restart kills the cache redis-server and starts an empty one', async () => {
  await fill(5);
  const fault = await injectFault('redis-restart', ctx(2));
  await fault.clear();
  await expect(cluster.cacheDb.dbsize()).resolves.toBe(0);
});

test('redis-slow delays the cache database past the 500 ms timeout', async () => {
  const ping = () => fetch(cluster.upstash.cache.url, { method: 'POST', headers: { authorization: `Bearer ${cluster.upstash.cache.token}` }, body: '["PING"]' });
  for (let i = 0; i < 50 && (await ping()).status !== 200; i++) await new Promise((r) => setTimeout(r, 100)); // reconnected after the restart
  const fault = await injectFault('redis-slow', ctx(3));
  const started = Date.now();
  const res = await ping();
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  await fault.clear();
});

test.each(['upstash-500', 'upstash-garbage'] as const)('%s makes a REST server answer that way until cleared', async (kind) => {
  const fault = await injectFault(kind, ctx(4));
  const server = fault.detail.startsWith('cache') ? cluster.upstash.cache : cluster.upstash.guardrails;
  const ask = () => fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: '["PING"]' });
  const during = await ask();
  if (kind === 'upstash-500') expect(during.status).toBe(500);
  else await expect(during.json()).rejects.toThrow();
  await fault.clear();
  expect((await ask()).status).toBe(200);
});

test('eviction makes the cache redis-server evict keys for real', async () => {
  await fill(40);
  const fault = await injectFault('eviction', ctx(5));
  await new Promise((r) => setTimeout(r, 800));
  const learned = await fault.clear();
  expect(Number(/(\d+) keys evicted/.exec(learned)?.[1])).toBeGreaterThan(0);
  await expect(cluster.cacheDb.config('GET', 'maxmemory')).resolves.toEqual(['maxmemory', String(256 * 1024 * 1024)]);
});

test('key-loss deletes the subset of cache keys it reports', async () => {
  await fill(40);
  const before = await cluster.cacheDb.dbsize();
  const fault = await injectFault('key-loss', ctx(6));
  const [, deleted, of] = /: (\d+) of (\d+)/.exec(fault.detail)?.map(Number) ?? [];
  expect(of).toBe(before);
  await expect(cluster.cacheDb.dbsize()).resolves.toBe(before - (deleted as number));
});

test('instance-freeze holds the origin answers of one instance until it thaws', async () => {
  const fault = await injectFault('instance-freeze', ctx(7));
  const instance = Number(/instance (\d+)/.exec(fault.detail)?.[1]);
  expect(frozen[instance]).toBe(true);
  let answered = false;
  const read = cluster.read(instance, 'marketing/frozen-page', '192.0.2.1').then((res) => { answered = true; return res; });
  await new Promise((r) => setTimeout(r, 500));
  expect(answered).toBe(false);
  await fault.clear();
  expect((await read).statusCode).toBe(200);
  expect(frozen[instance]).toBe(false);
  expect(await Promise.all(refreshes)).toEqual([expect.objectContaining({ statusCode: 200 })]);
});
