/**
 * Violations the consistency checker found, as small deterministic scenarios checked by the same
 * pure checks (propagation bound 0). Real redis-servers, real eviction, the admin code path.
 */
import { httpEvent } from './cluster';
import { startScenario, type Scenario } from './scenario';

const PATH = 'marketing/pricing';
const ENTRY = 'dev:marketing:pricing:default';
/** The mirror of the surface generation (and bypass flag) the hit path reads. */
const SURFACE_GENERATION = 'dev:state:marketing';
const JUNK = 'j'.repeat(8 * 1024);

let s: Scenario;
beforeEach(async () => { s = await startScenario(2); });
afterEach(async () => { await s?.close(); });

async function exists(key: string): Promise<boolean> {
  return (await s.cluster.cacheDb.exists(key)) === 1;
}

/** Junk writes under a tight maxmemory until `done()` or `limit` writes; returns whether `done()`. */
async function evictUntil(done: () => Promise<boolean>, withTtl: boolean, limit = 3000): Promise<boolean> {
  const db = s.cluster.cacheDb;
  const used = Number(/used_memory:(\d+)/.exec(await db.info('memory'))?.[1]);
  await db.config('SET', 'maxmemory', String(used + 64 * 1024));
  try {
    for (let i = 0; i < limit; i++) {
      if (await done()) return true;
      await (withTtl ? db.set(`junk:${i}`, JUNK, 'EX', 600) : db.set(`junk:${i}`, JUNK));
    }
    return done();
  } finally {
    await db.config('SET', 'maxmemory', '256mb');
  }
}

async function ready(instance: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await (s.cluster.instances[instance] as (e: ReturnType<typeof httpEvent>) => Promise<{ statusCode?: number }>)(httpEvent('GET', '/readyz'));
    if (res.statusCode === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the cache database did not come back');
}

test('a surface bump stays acknowledged when every other key of the cache database is lost (issue 13 reproduction)', async () => {
  await s.read(0, PATH);
  s.write(PATH);
  expect(await s.invalidate('surface', { surface: 'marketing', bump: true }, [PATH])).toMatchObject({ acked: true });
  await s.loseCacheKeys((k) => k === ENTRY);
  await s.read(1, PATH);
  expect(s.violations()).toEqual([]);
});

test('a domain event (resource bump) stays acknowledged when every other key of the cache database is lost', async () => {
  await s.read(0, PATH);
  s.write(PATH);
  expect(await s.invalidate('event', { event: 'pricing.changed', data: {} }, [PATH])).toMatchObject({ acked: true });
  await s.loseCacheKeys((k) => k === ENTRY);
  await s.read(1, PATH);
  expect(s.violations()).toEqual([]);
});

test('a surface bump stays acknowledged under real eviction (allkeys-random) that takes the generation and spares the entry', async () => {
  let checked = false;
  for (let attempt = 0; attempt < 30 && !checked; attempt++) {
    await s.read(0, PATH);
    s.write(PATH);
    expect(await s.invalidate('surface', { surface: 'marketing', bump: true }, [PATH])).toMatchObject({ acked: true });
    await evictUntil(async () => !(await exists(SURFACE_GENERATION)) || !(await exists(ENTRY)), false);
    if (!(await exists(ENTRY))) continue; // evicted too: nothing left to resurrect, try again
    await s.read(1, PATH);
    checked = true;
  }
  expect(checked).toBe(true);
  expect(s.violations()).toEqual([]);
});

test('an acknowledged bypass stays on when every key of the cache database is lost', async () => {
  await s.read(0, PATH);
  expect(await s.bypass('marketing', true)).toMatchObject({ acked: true });
  await s.loseCacheKeys(() => false);
  await s.read(1, PATH);
  expect(s.violations()).toEqual([]);
});

test('an acknowledged bypass stays on under real eviction (volatile-random: keys with a TTL go first)', async () => {
  await s.cluster.cacheDb.config('SET', 'maxmemory-policy', 'volatile-random');
  await s.read(0, PATH);
  expect(await s.bypass('marketing', true)).toMatchObject({ acked: true });
  const flags = async (): Promise<number> => (await s.cluster.cacheDb.keys('*:flag:*')).length;
  expect(await evictUntil(async () => (await flags()) === 0, true)).toBe(true);
  await s.read(1, PATH);
  expect(s.violations()).toEqual([]);
});

test('an acknowledged bypass stays on across a restart of the cache database', async () => {
  expect(await s.bypass('marketing', true)).toMatchObject({ acked: true });
  await s.cluster.cacheRedis.kill();
  await s.cluster.cacheRedis.restart();
  await ready(1);
  await s.read(1, PATH);
  expect(s.violations()).toEqual([]);
});

test('a read that joins a fill begun before an acknowledged surface bump does not return the old version a second later', async () => {
  await s.read(0, 'marketing/about'); // connections warm
  s.cluster.freeze(0);
  const owner = s.read(0, PATH); // takes the refresh lock, its origin answer (v1) is held
  for (let i = 0; i < 100 && s.cluster.origin.requestsFor(`/i0/${PATH}`) === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const waiter = s.read(1, PATH); // finds the lock taken: polls for the owner's entry
  await new Promise((r) => setTimeout(r, 100));
  s.write(PATH);
  expect(await s.invalidate('surface', { surface: 'marketing', bump: true }, [PATH])).toMatchObject({ acked: true });
  await new Promise((r) => setTimeout(r, 1200));
  const joined = s.read(1, PATH); // starts after the bump was acknowledged: joins the waiter's fill
  await new Promise((r) => setTimeout(r, 50));
  s.cluster.thaw(0);
  await Promise.all([owner, waiter, joined]);
  expect(s.violations()).toEqual([]);
});

test('an exact-key invalidation acknowledged while an instance is frozen mid-refresh is not undone when it thaws', async () => {
  s.cluster.freeze(0);
  const held = s.read(0, PATH); // its origin answer (v1) is held
  for (let i = 0; i < 100 && s.cluster.origin.requestsFor(`/i0/${PATH}`) === 0; i++) await new Promise((r) => setTimeout(r, 20));
  s.write(PATH);
  expect(await s.invalidate('keys', { keys: [ENTRY] }, [PATH])).toMatchObject({ acked: true });
  s.cluster.thaw(0);
  await held;
  await s.read(1, PATH);
  expect(s.violations()).toEqual([]);
});
