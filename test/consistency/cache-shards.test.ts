/**
 * The consistency checker against two cache databases (the scale-out path: the `api` surface in a
 * further cache database, `npm run check:consistency -- --cache-shards`): a short budget of random
 * histories with every fault kind, invalidations of every kind (keys, prefix, domain events that
 * span both databases, surface bumps, bypass) checked across both.
 */
import { startCluster } from './cluster';
import { muteFunctionLogs, runConsistency } from './run';

const SEED = Number(process.env.CONSISTENCY_SEED ?? '20261208');

test('the api surface is read from and written to the further cache database only', async () => {
  const cluster = await startCluster(1, { cacheShards: true });
  try {
    expect((await cluster.read(0, 'api/plans', '198.51.100.7')).statusCode).toBe(200);
    expect((await cluster.read(0, 'marketing/about', '198.51.100.7')).statusCode).toBe(200);
    const apiKeys = async (db: typeof cluster.cacheDb): Promise<string[]> => (await db.keys('dev:api:*')).filter((k) => k.includes('plans'));
    expect(await apiKeys(cluster.cacheShardDb as typeof cluster.cacheDb)).not.toEqual([]);
    expect(await apiKeys(cluster.cacheDb)).toEqual([]);
    expect(await cluster.cacheDb.keys('dev:marketing:*')).not.toEqual([]);
  } finally {
    await cluster.close();
  }
}, 60_000);

test(`no violation in about 20 s of histories with faults on two cache databases (seed ${SEED})`, async () => {
  const unmute = muteFunctionLogs();
  const lines: string[] = [];
  let summary: Awaited<ReturnType<typeof runConsistency>>;
  try {
    summary = await runConsistency({ seed: SEED, durationMs: 20_000, historyMs: 7_000, cacheShards: true, log: (l) => lines.push(l) });
  } finally {
    unmute();
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  expect(lines[0]).toContain('two cache databases');
  expect(summary.histories).toBeGreaterThanOrEqual(2);
  // A sanity floor only (a loaded 2-core machine records far fewer operations than an idle one).
  expect(summary.operations).toBeGreaterThan(100);
  expect(summary.violations.map((v) => `${v.violation.message}\n${v.shrunk}`)).toEqual([]);
}, 180_000);
