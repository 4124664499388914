/**
 * `npm run token`: tokens are checked when written (at least 32 characters), land in the kind's own
 * secret, and a rotation overlap keeps the previous one. Secrets Manager is the in-memory fake
 * (AWS, mocked) reached through the real SDK client.
 */
import { secretNames } from '../../contracts/secrets';
import { main } from '../../cli/put-token';
import { parseTokens } from '../../lambdas/shared/secrets-manager-credentials';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

const names = secretNames('prod');

async function run(argv: string[], fake: FakeSecretsManager, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const client = fake.client();
  try {
    const code = await main(argv, { client, stdin: async () => stdin, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    client.destroy();
  }
}

describe('npm run token', () => {
  it('writes a generated 43-character token to the kind\'s own secret and prints it once', async () => {
    const fake = new FakeSecretsManager();
    for (const name of [names.adminToken, names.readToken, names.metricsToken]) await fake.call('CreateSecret', { Name: name });
    const r = await run(['--env', 'prod', '--kind', 'read'], fake);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseTokens(fake.valueAt(names.readToken, 'AWSCURRENT')!, names.readToken)).toEqual([r.out[0]]);
    expect(fake.valueAt(names.adminToken, 'AWSCURRENT')).toBeUndefined();
    expect(r.err.join('\n')).not.toContain(r.out[0]);
  });

  it('keeps the previous token beside the new one when asked, and drops it on the next run', async () => {
    const fake = new FakeSecretsManager();
    await fake.call('CreateSecret', { Name: names.adminToken });
    const first = (await run(['--env', 'prod', '--kind', 'admin'], fake)).out[0];
    const second = (await run(['--env', 'prod', '--kind', 'admin', '--keep-previous'], fake)).out[0];
    expect(parseTokens(fake.valueAt(names.adminToken, 'AWSCURRENT')!, 's')).toEqual([second, first]);
    const third = (await run(['--env', 'prod', '--kind', 'admin'], fake)).out[0];
    expect(parseTokens(fake.valueAt(names.adminToken, 'AWSCURRENT')!, 's')).toEqual([third]);
  });

  it('refuses a token under 32 characters from stdin, without writing or printing it', async () => {
    const fake = new FakeSecretsManager();
    await fake.call('CreateSecret', { Name: names.metricsToken });
    const r = await run(['--env', 'prod', '--kind', 'metrics', '--stdin'], fake, 'short-metrics-token\n');
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/at least 32 characters, got one of 19/);
    expect(r.err.join('\n')).not.toContain('short-metrics-token');
    expect(fake.valueAt(names.metricsToken, 'AWSCURRENT')).toBeUndefined();
    const ok = await run(['--env', 'prod', '--kind', 'metrics', '--stdin'], fake, 'a-long-enough-metrics-token-0123456789\n');
    expect(ok.code).toBe(0);
  });

  it('answers wrong usage with exit code 2', async () => {
    const fake = new FakeSecretsManager();
    expect((await run(['--env', 'qa', '--kind', 'admin'], fake)).code).toBe(2);
    expect((await run(['--env', 'prod', '--kind', 'root'], fake)).code).toBe(2);
  });
});
