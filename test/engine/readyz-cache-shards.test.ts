/**
 * `/readyz` with two cache databases, on real Redis (two logical databases of the shared
 * redis-server behind two local Upstash servers, the second behind a delaying proxy): ready only
 * while every cache database answers PING within the Redis timeout.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { environment } from '../../config';
import { createCacheFunction, type CacheFunction } from '../../lambdas/cache/handler';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { SHARD_DATABASE, shardVariables, withCacheShard } from '../support/two-cache-databases';

const config = withCacheShard(environment('dev'));
let cache: TestUpstash;
let shard: TestUpstash;
let guardrails: TestUpstash;
let fn: CacheFunction;

const readyz = (): APIGatewayProxyEventV2 => ({
  version: '2.0', routeKey: '$default', rawPath: '/readyz', rawQueryString: '', isBase64Encoded: false, headers: {},
  requestContext: {
    accountId: '111111111111', apiId: 'api', domainName: 'example.com', domainPrefix: 'example', requestId: 'r', routeKey: '$default',
    stage: '$default', time: '', timeEpoch: 0, http: { method: 'GET', path: '/readyz', protocol: 'HTTP/1.1', sourceIp: '198.51.100.9', userAgent: 'jest' },
  },
});

beforeAll(async () => {
  [cache, shard, guardrails] = await Promise.all([startTestUpstash(), startTestUpstash({ viaProxy: true }), startTestUpstash()]);
  fn = await createCacheFunction({
    config,
    env: {
      CACHE_ENV: 'dev', UPSTASH_REDIS_REST_URL: cache.url, UPSTASH_REDIS_REST_TOKEN: cache.token,
      UPSTASH_GUARDRAILS_REST_URL: guardrails.url, UPSTASH_GUARDRAILS_REST_TOKEN: guardrails.token, ...shardVariables(shard),
      ORIGIN_MARKETING: 'http://127.0.0.1:9/m', ORIGIN_API: 'http://127.0.0.1:9/a',
    },
  });
});
afterAll(async () => {
  await Promise.all([cache?.stop(), shard?.stop(), guardrails?.stop()]);
});

it('is ready while both cache databases answer', async () => {
  shard.proxy?.setDelay(0);
  const res = await fn(readyz());
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body as string)).toEqual({ status: 'ready', circuit: 'closed', circuits: { cache: 'closed', [SHARD_DATABASE]: 'closed' } });
});

it('answers 503 naming the further cache database when only it does not answer within the timeout', async () => {
  // Three times the Redis timeout: the PING cannot make it, however busy the machine.
  shard.proxy?.setDelay(config.runtime.redisTimeoutMs * 3);
  try {
    const res = await fn(readyz());
    expect(res.statusCode).toBe(503);
    const body = JSON.parse(res.body as string) as { error: string; message: string };
    expect(body.error).toBe('redis_unavailable');
    expect(body.message).toContain(SHARD_DATABASE);
    expect(body.message).not.toMatch(/\(cache[,)]/);
  } finally {
    shard.proxy?.setDelay(0);
  }
});

it('is ready again once the further cache database answers', async () => {
  // The delayed replies of the previous test drain first; a fresh PING then answers in time.
  await new Promise((resolve) => setTimeout(resolve, config.runtime.redisTimeoutMs * 4));
  expect((await fn(readyz())).statusCode).toBe(200);
});
