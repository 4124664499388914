import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createCacheFunction, handler } from '../../lambdas/cache/handler';
import { withOriginOverrides } from '../../lambdas/shared/runtime-environment';
import { environment } from '../../config/environments';
import { SECRET_ID_ENV, secretNames } from '../../contracts/secrets';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { useLocalStack } from '../support/local-stack';
import { startTestUpstash } from '../support/upstash';
import { captureLogs } from '../support/captured-logs';

const local = useLocalStack();

/** The function's environment on the local servers: both databases, the origin, a metrics token. */
function localEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return local.functionEnv({ marketing: '/m' }, { METRICS_TOKEN: 'admin-secret-0123456789abcdef01234567', ...extra });
}

function event(method: string, rawPath: string, headers: Record<string, string> = {}, query?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    headers,
    isBase64Encoded: false,
    requestContext: {
      accountId: '111111111111', apiId: 'api', domainName: 'example.com', domainPrefix: 'example', requestId: 'r', routeKey: '$default',
      stage: '$default', time: '', timeEpoch: 0,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.9', userAgent: 'jest' },
    },
  };
}

describe('cache Lambda handler', () => {
  it('serves the read path from env config, rate-limits in parallel and exposes /metrics behind the metrics token', async () => {
    const fn = await createCacheFunction({
      env: localEnv(),
    });
    // Warm-up: the limiter's first call loads its script, which may exceed the 200 ms policy timeout on a busy machine.
    await fn(event('GET', '/c/marketing/warm-up'));
    const miss = await fn(event('GET', '/c/marketing/about'));
    expect(miss.statusCode).toBe(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['RateLimit-Limit']).toBe('600');
    expect(local.origin.log()[1]?.path).toBe('/m/about');
    const hit = await fn(event('GET', '/c/marketing/about'));
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toBe(miss.body);
    // Marketing's policy is origin-bound: a hit is not counted, the next origin-bound read is.
    expect(hit.headers['RateLimit-Limit']).toBeUndefined();
    const nextMiss = await fn(event('GET', '/c/marketing/contact'));
    expect(nextMiss.headers['x-cache']).toBe('MISS');
    expect(Number(nextMiss.headers['RateLimit-Remaining'])).toBe(Number(miss.headers['RateLimit-Remaining']) - 1);

    expect((await fn(event('GET', '/readyz'))).statusCode).toBe(200);
    expect((await fn(event('GET', '/healthz'))).statusCode).toBe(200);
    const unknown = await fn(event('GET', '/c/nope/x'));
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body as string)).toMatchObject({ error: 'unknown_surface' });
    expect((await fn(event('GET', '/metrics'))).statusCode).toBe(401);
    const metrics = await fn(event('GET', '/metrics', { authorization: 'Bearer admin-secret-0123456789abcdef01234567' }));
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
  });

  it('costs one request per database on a hit: popularity counts ride in the metrics flush', async () => {
    const fn = await createCacheFunction({
      env: localEnv({ METRICS_FLUSH_INTERVAL_MS: '0' }),
    });
    await fn(event('GET', '/c/marketing/warm-up-2'));
    expect((await fn(event('GET', '/c/marketing/piggyback'))).headers['x-cache']).toBe('MISS');
    local.cache.resetRequestCount();
    local.guardrails.resetRequestCount();
    const hit = await fn(event('GET', '/c/marketing/piggyback'));
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(local.cache.requestCount()).toBe(1);
    expect(local.guardrails.requestCount()).toBe(1);
    const keys = await local.guardrails.redis.scan(0, { match: 'dev:warmup:popular:*', count: 1000 });
    expect(keys[1]).toHaveLength(1);
    const members = await local.guardrails.redis.zrange<string[]>(keys[1][0] as string, 0, -1);
    expect(members.some((m) => m.includes('"piggyback"'))).toBe(true);
    // The hit is counted after its own flush went out; the next read carries it.
    await fn(event('GET', '/c/marketing/piggyback'));
    const text = (await fn(event('GET', '/metrics', { authorization: 'Bearer admin-secret-0123456789abcdef01234567' }))).body as string;
    expect(text).toMatch(/cache_hits_total\{namespace="marketing"\} [1-9]/);
  });

  it('reads credentials from Secrets Manager (mocked AWS API) and survives a token rotation without a 5xx', async () => {
    const fake = new FakeSecretsManager();
    const client = fake.client();
    const names = secretNames('dev');
    const secret = (token: string) => JSON.stringify({ url: local.cache.url, token });
    await fake.call('CreateSecret', { Name: names.cache, SecretString: secret(local.cache.server.token) });
    await fake.call('CreateSecret', { Name: names.metricsToken, SecretString: JSON.stringify({ tokens: ['sm-metrics-token-0123456789abcdef0123'] }) });
    try {
      const fn = await createCacheFunction({
        env: {
          CACHE_ENV: 'dev', [SECRET_ID_ENV.cache]: names.cache, [SECRET_ID_ENV.metricsToken]: names.metricsToken, ORIGIN_API: `${local.origin.url}/a`,
          UPSTASH_GUARDRAILS_REST_URL: local.guardrails.url, UPSTASH_GUARDRAILS_REST_TOKEN: local.guardrails.token,
        },
        secretsClient: client,
      });
      expect((await fn(event('GET', '/c/api/rotated'))).headers['x-cache']).toBe('MISS');
      // Rotation: the old token stops working and the secret holds the new one.
      const rotated = `rotated-${Date.now()}`;
      local.cache.server.setTokens({ token: rotated });
      await fake.call('PutSecretValue', { SecretId: names.cache, SecretString: secret(rotated) });
      const after = await fn(event('GET', '/c/api/rotated'));
      expect([after.statusCode, after.headers['x-cache']]).toEqual([200, 'HIT']);
      const dbg = await fn(event('GET', '/debug/cache', { authorization: 'Bearer sm-metrics-token-0123456789abcdef0123' }, { key: 'dev:api:rotated:default' }));
      expect(dbg.statusCode).toBe(200);
    } finally {
      client.destroy();
    }
  });

  it('answers 503 JSON (no stack) when credentials are missing', async () => {
    await expect(createCacheFunction({ env: { CACHE_ENV: 'dev' } })).rejects.toThrow(/UPSTASH_REDIS_REST_URL/);
    await expect(createCacheFunction({ env: { CACHE_ENV: 'qa' } })).rejects.toThrow(/unknown environment/);
    const saved = { ...process.env };
    delete process.env.UPSTASH_REDIS_REST_URL;
    delete process.env[SECRET_ID_ENV.cache];
    const logs = captureLogs();
    try {
      const res = await handler(event('GET', '/c/api/x'));
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body as string)).toEqual({ error: 'not_configured', message: expect.any(String) });
      expect(res.body).not.toMatch(/\n\s+at /);
    } finally {
      logs.restore();
      process.env = saved;
    }
  });

  it('READ_REQUIRES_AUTH=true asks reads for the read token (401 JSON without it, also for the metrics token); unset keeps reads public', async () => {
    const db = await startTestUpstash();
    try {
      const base = local.functionEnv({ api: '/a' }, {
        UPSTASH_REDIS_REST_URL: db.url, UPSTASH_REDIS_REST_TOKEN: db.token,
        READ_TOKEN: 'read-secret-0123456789abcdef012345678', METRICS_TOKEN: 'metrics-secret-0123456789abcdef0123456',
      });
      const guarded = await createCacheFunction({ env: { ...base, READ_REQUIRES_AUTH: 'true' } });
      const before = local.origin.log().length;
      const refused = await guarded(event('GET', '/c/api/guarded'));
      expect(refused.statusCode).toBe(401);
      expect(JSON.parse(refused.body as string)).toMatchObject({ error: 'unauthorized' });
      expect((await guarded(event('GET', '/c/api/guarded', { authorization: 'Bearer wrong' }))).statusCode).toBe(401);
      expect((await guarded(event('GET', '/c/api/guarded', { authorization: 'Bearer metrics-secret-0123456789abcdef0123456' }))).statusCode).toBe(401);
      expect(local.origin.log().length).toBe(before);
      expect(await db.redis.exists('dev:api:guarded:default')).toBe(0);
      const allowed = await guarded(event('GET', '/c/api/guarded', { authorization: 'Bearer read-secret-0123456789abcdef012345678' }));
      expect([allowed.statusCode, allowed.headers['x-cache']]).toEqual([200, 'MISS']);
      expect((await guarded(event('GET', '/healthz'))).statusCode).toBe(200);

      const open = await createCacheFunction({ env: base });
      expect((await open(event('GET', '/c/api/guarded'))).headers['x-cache']).toBe('HIT');
      await expect(createCacheFunction({ env: { ...base, READ_REQUIRES_AUTH: 'yes' } })).rejects.toThrow(/READ_REQUIRES_AUTH/);
    } finally {
      await db.stop();
    }
  });

  it('ORIGIN_<SURFACE> overrides only that surface', () => {
    const config = withOriginOverrides(environment('dev'), { ORIGIN_API: 'http://127.0.0.1:1/api' });
    expect(config.surfaces.find((s) => s.name === 'api')?.originUrl).toBe('http://127.0.0.1:1/api');
    expect(config.surfaces.find((s) => s.name === 'marketing')?.originUrl).toBe(environment('dev').surfaces[0]?.originUrl);
  });
});
