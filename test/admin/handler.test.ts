import { createAdminFunction, handler } from '../../lambdas/admin/handler';
import { SECRET_ID_ENV, secretNames } from '../../contracts/secrets';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { useLocalStack } from '../support/local-stack';
import { ADMIN_TOKEN, httpEvent, parseBody } from './helpers';
import { captureLogs } from '../support/captured-logs';

describe('admin Lambda entry point', () => {
  const local = useLocalStack({ origin: false });

  it('answers 503 not_configured, not a crash, when its credentials are missing', async () => {
    const saved = { ...process.env };
    delete process.env.UPSTASH_REDIS_REST_URL;
    delete process.env.UPSTASH_GUARDRAILS_REST_URL;
    const logs = captureLogs();
    try {
      const result = await handler(httpEvent({ path: '/admin/status' }));
      expect(result.statusCode).toBe(503);
      expect(parseBody(result).error).toBe('not_configured');
    } finally {
      logs.restore();
      process.env = saved;
    }
  });

  it('builds from the same environment variables as the cache function', async () => {
    const fn = await createAdminFunction({
      env: {
        CACHE_ENV: 'dev',
        UPSTASH_REDIS_REST_URL: local.cache.url,
        UPSTASH_REDIS_REST_TOKEN: local.cache.token,
        UPSTASH_GUARDRAILS_REST_URL: local.guardrails.url,
        UPSTASH_GUARDRAILS_REST_TOKEN: local.guardrails.token,
        ADMIN_TOKEN: `old-token-0123456789abcdef0123456789,${ADMIN_TOKEN}`,
      },
    });
    const result = await fn(httpEvent({ path: '/admin/invalidate', body: { surface: 'api', bump: true } }));
    expect(result.statusCode).toBe(200);
    expect(await local.guardrails.redis.get('dev:invalidation:gen:api')).toBe((parseBody(result) as { bumped: { generation: string }[] }).bumped[0].generation);
    expect((await fn(httpEvent({ path: '/admin/status', token: 'old-token-0123456789abcdef0123456789' }))).statusCode).toBe(200);
  });

  it('reads credentials and admin tokens from Secrets Manager in AWS (mocked AWS API)', async () => {
    const fake = new FakeSecretsManager();
    const client = fake.client();
    const names = secretNames('dev');
    await fake.call('CreateSecret', { Name: names.cache, SecretString: JSON.stringify({ url: local.cache.url, token: local.cache.token }) });
    await fake.call('CreateSecret', { Name: names.guardrails, SecretString: JSON.stringify({ url: local.guardrails.url, token: local.guardrails.token }) });
    await fake.call('CreateSecret', { Name: names.adminToken, SecretString: JSON.stringify({ tokens: ['from-secrets-manager-0123456789abcdef'] }) });
    try {
      const fn = await createAdminFunction({
        env: { CACHE_ENV: 'dev', [SECRET_ID_ENV.cache]: names.cache, [SECRET_ID_ENV.guardrails]: names.guardrails, [SECRET_ID_ENV.adminToken]: names.adminToken },
        secretsClient: client,
      });
      expect((await fn(httpEvent({ path: '/admin/status' }))).statusCode).toBe(401);
      const result = await fn(httpEvent({ path: '/admin/invalidate', body: { surface: 'marketing', bump: true }, token: 'from-secrets-manager-0123456789abcdef' }));
      expect(result.statusCode).toBe(200);
      expect(await local.guardrails.redis.exists('dev:invalidation:gen:marketing')).toBe(1);
    } finally {
      client.destroy();
    }
  });
});
