/**
 * Popular-request counts are kept in memory and written by the metrics flush script on real Redis:
 * no command per read, one script per flush that sets the day's TTL and trims it to its top members.
 */
import IORedis from 'ioredis';
import { AggregatingMetricsRecorder } from '../../lambdas/shared/metrics/aggregating-recorder';
import { PopularRequests } from '../../lambdas/maintenance/popular-requests';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { testEnvironment } from './support';

let guardrails: TestUpstash;
let io: IORedis;

beforeAll(async () => {
  guardrails = await startTestUpstash();
  io = new IORedis(guardrails.redisUrl, { db: guardrails.db });
});
afterAll(async () => {
  io?.disconnect();
  await guardrails?.stop();
});

test('reads are counted in memory and reach Redis in one flush script, trimmed to the top members with a TTL', async () => {
  const now = Date.UTC(2026, 11, 6, 12);
  const recorder = new AggregatingMetricsRecorder({ clock: () => now });
  const popular = new PopularRequests({ redis: guardrails.redis, env: testEnvironment('http://origin.invalid'), recorder,
    maxPerDay: 3, retentionDays: 2, clock: () => now });
  guardrails.server.resetBilledCommands();
  // page-i is read i + 1 times: the top three are page-5, page-4, page-3.
  for (let i = 0; i < 6; i++) for (let n = 0; n <= i; n++) expect(popular.record({ surface: 'marketing', path: `page-${i}` })).toBe(true);
  expect(guardrails.server.billedCommands()).toEqual({});

  expect(await recorder.flush(guardrails.redis)).toMatchObject({ status: 'flushed' });
  expect(guardrails.server.billedCommands()).toEqual({ EVAL: 1 });
  const key = popular.dayKey(now);
  expect(await io.zrange(key, 0, -1, 'WITHSCORES')).toEqual([
    '["marketing","page-3",{},{}]', '4', '["marketing","page-4",{},{}]', '5', '["marketing","page-5",{},{}]', '6',
  ]);
  const ttl = await io.ttl(key);
  expect(ttl).toBeGreaterThan(2 * 86_400 - 60);
  expect(ttl).toBeLessThanOrEqual(2 * 86_400);
  expect((await popular.top(2, 1)).map((t) => t.path)).toEqual(['page-5', 'page-4']);
});

test('a second flush adds to the counts', async () => {
  const recorder = new AggregatingMetricsRecorder();
  const popular = new PopularRequests({ redis: guardrails.redis, env: testEnvironment('http://origin.invalid'), recorder });
  popular.record({ surface: 'api', path: 'v1/twice' });
  await recorder.flush(guardrails.redis);
  popular.record({ surface: 'api', path: 'v1/twice' });
  await recorder.flush(guardrails.redis);
  expect(await io.zscore(popular.dayKey(Date.now()), '["api","v1/twice",{},{}]')).toBe('2');
});
