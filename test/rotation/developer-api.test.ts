/**
 * The local Developer API stand-in and the rotation function's client for it: Basic auth, the two
 * endpoints, JSON errors, and a reset that really revokes the local server's tokens.
 */
import { Redis } from '@upstash/redis';
import { startDeveloperApi, type LocalDeveloperApi } from '../../local/developer-api';
import { DeveloperApiClient, DeveloperApiError, parseDeveloperApiSecret } from '../../lambdas/shared/upstash-developer-api';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

const EMAIL = 'ops@clarivum.example';
const KEY = 'api-key-abc';
let upstash: TestUpstash;
let api: LocalDeveloperApi;

beforeAll(async () => {
  upstash = await startTestUpstash();
  api = await startDeveloperApi({ email: EMAIL, apiKey: KEY, databases: [{ id: 'db-9', name: 'clarivum-cache-dev', server: upstash.server }] });
});

afterAll(async () => {
  await api?.close();
  await upstash?.stop();
});

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('local Developer API', () => {
  it.each([
    ['no auth', 'GET', '/v2/redis/database/db-9', undefined, 401, 'unauthorized'],
    ['wrong key', 'GET', '/v2/redis/database/db-9', basic(EMAIL, 'nope'), 401, 'unauthorized'],
    ['unknown database', 'GET', '/v2/redis/database/db-0', basic(EMAIL, KEY), 404, 'database_not_found'],
    ['wrong method', 'GET', '/v2/redis/reset-password/db-9', basic(EMAIL, KEY), 405, 'method_not_allowed'],
    ['unknown path', 'GET', '/v2/teams', basic(EMAIL, KEY), 404, 'not_found'],
  ])('answers %s with a JSON error', async (_what, method, path, authorization, status, code) => {
    const res = await fetch(`${api.url}${path}`, { method, headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe(code);
    expect(body.message.length).toBeGreaterThan(5);
  });

  it('describes the database with its current tokens, and a reset revokes them at once', async () => {
    const client = new DeveloperApiClient({ credentials: { email: EMAIL, apiKey: KEY }, baseUrl: api.url });
    const before = await client.getDatabase('db-9');
    expect(before).toEqual({
      databaseId: 'db-9', endpoint: new URL(upstash.url).host, restToken: upstash.server.token, readOnlyRestToken: upstash.server.readOnlyToken, state: 'active',
    });
    const old = new Redis({ url: upstash.url, token: before.restToken, retry: false, enableTelemetry: false });
    expect(await old.ping()).toBe('PONG');

    await client.resetPassword('db-9');
    const after = await client.getDatabase('db-9');
    expect(api.resets('db-9')).toBe(1);
    expect(after.restToken).not.toBe(before.restToken);
    expect(after.readOnlyRestToken).not.toBe(before.readOnlyRestToken);
    await expect(old.ping()).rejects.toThrow(/WRONGPASS/);
    const fresh = new Redis({ url: upstash.url, token: after.restToken, retry: false, enableTelemetry: false });
    expect(await fresh.ping()).toBe('PONG');
  });

  it('turns HTTP errors into DeveloperApiError with the status and code only', async () => {
    const client = new DeveloperApiClient({ credentials: { email: EMAIL, apiKey: 'wrong' }, baseUrl: api.url });
    const error = await client.getDatabase('db-9').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeveloperApiError);
    expect(error).toMatchObject({ status: 401, message: 'GET /v2/redis/database/db-9: HTTP 401 (unauthorized)' });
    const down = new DeveloperApiClient({ credentials: { email: EMAIL, apiKey: KEY }, baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 });
    await expect(down.resetPassword('db-9')).rejects.toThrow(/^POST \/v2\/redis\/reset-password\/db-9: request failed/);
  });

  it('parses the Developer API secret and names the bad field', () => {
    expect(parseDeveloperApiSecret('{"email":"a@b.c","apiKey":"k"}', 's')).toEqual({ email: 'a@b.c', apiKey: 'k' });
    expect(parseDeveloperApiSecret('{"email":"a@b.c","api_key":"k"}', 's')).toEqual({ email: 'a@b.c', apiKey: 'k' });
    expect(() => parseDeveloperApiSecret('{"email":"a@b.c"}', 's')).toThrow('s: field "apiKey" must be a non-empty string');
    expect(() => parseDeveloperApiSecret('{"email":"nobody","apiKey":"k"}', 's')).toThrow('s: field "email" must be an email address');
    expect(() => parseDeveloperApiSecret('k', 's')).toThrow('s: the Developer API secret is not JSON');
  });
});
