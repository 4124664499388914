/**
 * The consumers' cached secret reader: picks up a new AWSCURRENT without redeploy, refreshes on
 * demand, waits out a reset-password window, and says clearly what is wrong with a secret.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretNames, UNSEEDED_SECRET_STRING } from '../../contracts/secrets';
import {
  parseTokens,
  pingRefused,
  SecretsManagerTokens,
  SecretsManagerCredentialsSource,
  SecretsManagerText,
  secretsManagerCredentialsFromEnv,
} from '../../lambdas/shared/secrets-manager-credentials';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

const names = secretNames('dev');
const URL_ = 'https://eu1-example.upstash.io';
const creds = (token: string) => JSON.stringify({ url: URL_, token, readOnlyToken: `${token}-ro` });
let seq = 0;
const nextToken = () => `0000000${++seq}-0000-4000-8000-000000000000`.slice(-36);

let fake: FakeSecretsManager;
let client: SecretsManagerClient;

beforeEach(async () => {
  fake = new FakeSecretsManager();
  client = fake.client();
  await fake.call('CreateSecret', { Name: names.cache, SecretString: creds('t1') });
});

afterEach(() => client.destroy());

/** Stores a new AWSCURRENT version, as finishSecret's label move does. */
async function promote(token: string): Promise<void> {
  await fake.call('PutSecretValue', { SecretId: names.cache, ClientRequestToken: nextToken(), SecretString: creds(token), VersionStages: ['AWSCURRENT'] });
}

const reads = () => fake.calls.filter((c) => c.operation === 'GetSecretValue').length;

describe('SecretsManagerCredentialsSource', () => {
  it('caches for maxAgeSeconds, then picks up the new AWSCURRENT by itself', async () => {
    const source = new SecretsManagerCredentialsSource({ secretId: names.cache, client, maxAgeSeconds: 1 });
    expect((await source.get()).token).toBe('t1');
    await promote('t2');
    expect((await source.get()).token).toBe('t1');
    expect(reads()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await source.get()).toEqual({ url: URL_, token: 't2', readOnlyToken: 't2-ro' });
    expect(reads()).toBe(2);
  });

  it('refresh() refetches at once, one fetch for concurrent callers', async () => {
    const source = new SecretsManagerCredentialsSource({ secretId: names.cache, client, isRefused: async () => false });
    await source.get();
    await promote('t2');
    const all = await Promise.all([source.refresh(), source.refresh(), source.refresh()]);
    expect(all.map((c) => c.token)).toEqual(['t2', 't2', 't2']);
    expect(reads()).toBe(2);
    expect((await source.get()).token).toBe('t2');
  });

  it('while Upstash refuses AWSCURRENT (reset done, finishSecret not yet), refresh() polls until it moves', async () => {
    const refused = new Set(['t1']);
    const source = new SecretsManagerCredentialsSource({
      secretId: names.cache, client, rotationWaitMs: 2_000, pollIntervalMs: 10, isRefused: async (c) => refused.has(c.token),
    });
    await source.get();
    const started = Date.now();
    setTimeout(() => void promote('t2'), 150);
    const fresh = await source.refresh();
    expect(fresh.token).toBe('t2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(reads()).toBeGreaterThan(3);
  });

  it('while Upstash refuses AWSCURRENT but accepts AWSPENDING (reset-password after setSecret), uses AWSPENDING until AWSCURRENT moves', async () => {
    await fake.call('PutSecretValue', { SecretId: names.cache, ClientRequestToken: nextToken(), SecretString: creds('t2'), VersionStages: ['AWSPENDING'] });
    const source = new SecretsManagerCredentialsSource({
      secretId: names.cache, client, maxAgeSeconds: 1, rotationWaitMs: 2_000, pollIntervalMs: 10, isRefused: async (c) => c.token === 't1',
    });
    expect((await source.get()).token).toBe('t1');
    expect((await source.refresh()).token).toBe('t2');
    // Later reads keep the accepted pending credentials while AWSCURRENT still holds the refused ones.
    expect((await source.get()).token).toBe('t2');
    await promote('t3');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await source.get()).token).toBe('t3');
  });

  it('gives up after rotationWaitMs and does not wait again right after (a wrong token is not a rotation)', async () => {
    const source = new SecretsManagerCredentialsSource({
      secretId: names.cache, client, rotationWaitMs: 100, pollIntervalMs: 10, isRefused: async () => true,
    });
    let started = Date.now();
    expect((await source.refresh()).token).toBe('t1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    started = Date.now();
    await source.refresh();
    expect(Date.now() - started).toBeLessThan(80);
  });

  it('explains an unseeded, missing or malformed secret without quoting values', async () => {
    await fake.call('CreateSecret', { Name: names.guardrails, SecretString: UNSEEDED_SECRET_STRING });
    await expect(new SecretsManagerCredentialsSource({ secretId: names.guardrails, client }).get())
      .rejects.toThrow(`secret ${names.guardrails} is not seeded yet: run its first rotation (npm run rotate)`);
    await expect(new SecretsManagerCredentialsSource({ secretId: 'clarivum/dev/nope', client }).get())
      .rejects.toThrow('secret clarivum/dev/nope has no AWSCURRENT value');
    await promote('');
    const error = await new SecretsManagerCredentialsSource({ secretId: names.cache, client }).get().catch((e: Error) => e);
    expect((error as Error).message).toBe(`secret ${names.cache}: field "token" must be a non-empty string`);
    await fake.call('PutSecretValue', { SecretId: names.cache, ClientRequestToken: nextToken(), SecretString: '{"url":"ftp://x","token":"s3cr3t"}' });
    const bad = await new SecretsManagerCredentialsSource({ secretId: names.cache, client }).get().catch((e: Error) => e);
    expect((bad as Error).message).toMatch(/field "url" must be an http\(s\) URL/);
    expect((bad as Error).message).not.toContain('s3cr3t');
  });

  it('is built from the environment variable naming the secret, or not at all', () => {
    expect(secretsManagerCredentialsFromEnv('UPSTASH_CACHE_SECRET_ID', {})).toBeUndefined();
    expect(secretsManagerCredentialsFromEnv('UPSTASH_CACHE_SECRET_ID', { UPSTASH_CACHE_SECRET_ID: names.cache }, { client }))
      .toBeInstanceOf(SecretsManagerCredentialsSource);
  });
});

describe('pingRefused against the local Upstash server', () => {
  let upstash: TestUpstash;
  beforeAll(async () => { upstash = await startTestUpstash(); });
  afterAll(async () => { await upstash?.stop(); });

  it('is true only for a refused token', async () => {
    expect(await pingRefused({ url: upstash.url, token: upstash.token })).toBe(false);
    expect(await pingRefused({ url: upstash.url, token: 'not-a-token' })).toBe(true);
    // Unreachable is not a refusal: the caller's retry decides.
    expect(await pingRefused({ url: 'http://127.0.0.1:9', token: 'x' })).toBe(false);
  });
});

describe('admin tokens', () => {
  const T1 = 'token-one-0123456789abcdef0123456789';
  const T2 = 'token-two-0123456789abcdef0123456789';

  it('accepts a plain token, {"token"} or {"tokens"} and rejects anything else', async () => {
    expect(parseTokens(`${T1}\n`, 's')).toEqual([T1]);
    expect(parseTokens(`{"token":"${T1}"}`, 's')).toEqual([T1]);
    expect(parseTokens(`{"tokens":["${T2}","${T1}"]}`, 's')).toEqual([T2, T1]);
    expect(() => parseTokens(`{"tokens":["${T1}",""]}`, 's')).toThrow('secret s: expected "token" or "tokens" with non-empty strings');
    expect(() => parseTokens('{"tokens":["abc"]}', 's')).toThrow('secret s: a token must be at least 32 characters, got one of 3');
    expect(() => parseTokens('{"x":1}', 's')).toThrow(/expected "token" or "tokens"/);
    expect(() => parseTokens('   ', 's')).toThrow('secret s is empty');
  });

  it('reads the admin token secret through the cache, bound for TokenAuthenticator', async () => {
    await fake.call('CreateSecret', { Name: names.adminToken, SecretString: `{"tokens":["${T2}","${T1}"]}` });
    const { tokens } = new SecretsManagerTokens({ secretId: names.adminToken, client });
    expect(await tokens()).toEqual([T2, T1]);
    expect(await tokens()).toEqual([T2, T1]);
    expect(fake.calls.filter((c) => c.operation === 'GetSecretValue' && c.input.SecretId === names.adminToken)).toHaveLength(1);
  });
});

describe('secret text (the Developer API key the audit reads)', () => {
  it('reads AWSCURRENT once per cache period and names a missing secret without its value', async () => {
    await fake.call('CreateSecret', { Name: names.developerApi, SecretString: '{"email":"ops@example.com","apiKey":"k1"}' });
    const secret = new SecretsManagerText({ secretId: names.developerApi, client });
    expect(JSON.parse(await secret.get())).toEqual({ email: 'ops@example.com', apiKey: 'k1' });
    await secret.get();
    expect(fake.calls.filter((c) => c.operation === 'GetSecretValue' && c.input.SecretId === names.developerApi)).toHaveLength(1);
    await expect(new SecretsManagerText({ secretId: 'clarivum/dev/missing', client }).get()).rejects.toThrow(/clarivum\/dev\/missing/);
  });
});
