/**
 * Failure injected at every step and retry point of a rotation: the rotation completes when it is
 * run again, with exactly one AWSCURRENT whose tokens work, and at every crash point a consumer (the
 * platform's `SecretsManagerCredentialsSource`, refreshing after a 401) has working credentials. The
 * one exception is named in docs/runbook.md: a `reset-password` setSecret that dies between the
 * Developer API reset and the put that stages the new tokens. Rerunning is what the operator command
 * does: `RotateSecret` answers "A previous rotation isn't complete" and Secrets Manager reattempts the
 * unfinished rotation with the same ClientRequestToken.
 */
import type { RotationStrategy } from '../../config/types';
import { ROTATION_STEPS, FakeAwsError, type RotationStep } from '../support/fake-secrets-manager';
import { mintsToken, UpstashRestRunner, type RestCommandRunner } from '../../lambdas/rotation/upstash-rest';
import { isRefused } from '../../lambdas/rotation/strategy';
import { SecretsManagerCredentialsSource } from '../../lambdas/shared/secrets-manager-credentials';
import { enableAndSeed, labelCounts, startRotationHarness, type RotationHarness } from './harness';

const rest = new UpstashRestRunner({ retries: 0, timeoutMs: 2_000 });

async function expectHealthy(h: RotationHarness): Promise<void> {
  const counts = labelCounts(h.fake.stages(h.secretId));
  expect(counts.AWSCURRENT).toBe(1);
  expect(counts.AWSPENDING).toBeUndefined();
  const current = h.current();
  expect(await rest.run(current.url, current.token, ['PING'])).toBe('PONG');
  expect(await rest.run(current.url, current.readOnlyToken, ['EXISTS', 'x'])).toBe(0);
}

/** What a consumer instance does: its cached credentials, and after a 401 one refresh. */
async function consumerToken(h: RotationHarness): Promise<string> {
  const source = new SecretsManagerCredentialsSource({ secretId: h.secretId, client: h.client, rotationWaitMs: 0 });
  let creds = await source.get();
  if (await isRefused(creds.url, creds.token, rest)) creds = await source.refresh();
  return creds.token;
}

async function expectConsumerWorks(h: RotationHarness): Promise<void> {
  const token = await consumerToken(h);
  expect(await rest.run(h.current().url, token, ['PING'])).toBe('PONG');
}

describe.each<RotationStrategy>(['alternating-users', 'reset-password'])('%s: crash and rerun', (strategy) => {
  let h: RotationHarness;

  beforeAll(async () => {
    h = await startRotationHarness({ strategy });
    await enableAndSeed(h);
  });

  afterAll(async () => {
    await h?.stop();
  });

  it.each(ROTATION_STEPS)('completes after a crash right after %s; consumers keep working credentials', async (step: RotationStep) => {
    const before = h.current();
    const resetsBefore = h.devApi.resets(h.databaseId);
    h.crashAfter(step);
    const crashed = await h.rotate();
    h.crashAfter(undefined);
    expect(crashed.failed?.step).toBe(step);
    await expectConsumerWorks(h);
    const pendingBeforeRerun = step === 'finishSecret' ? undefined : h.valueAt('AWSPENDING');
    if (step !== 'finishSecret') {
      // Unfinished: AWSCURRENT has not moved. reset-password stages its tokens in setSecret.
      expect(h.current().token).toBe(before.token);
      expect(pendingBeforeRerun === undefined).toBe(strategy === 'reset-password' && step === 'createSecret');
    }
    if (strategy === 'alternating-users' || step === 'createSecret') {
      // Nothing a consumer holds was touched before finishSecret.
      expect(await isRefused(before.url, before.token, rest)).toBe(false);
    }

    const rerun = await h.rotate();
    expect(rerun.failed).toBeUndefined();
    await expectHealthy(h);
    await expectConsumerWorks(h);
    if (step === 'finishSecret') {
      // The crashed rotation had finished its work; the rerun is a new rotation.
      expect(rerun.token).not.toBe(crashed.token);
      expect(h.valueAt('AWSPREVIOUS')?.token).not.toBe(before.token);
    } else {
      // Same rotation resumed: staged credentials were kept, not issued again.
      expect(rerun.token).toBe(crashed.token);
      if (pendingBeforeRerun) expect(h.current().token).toBe(pendingBeforeRerun.token);
      expect(h.valueAt('AWSPREVIOUS')?.token).toBe(before.token);
      if (strategy === 'reset-password') expect(h.devApi.resets(h.databaseId)).toBe(resetsBefore + 1);
    }
  });

  it('completes after dying between issuing credentials and staging them', async () => {
    const before = h.current();
    const resetsBefore = h.devApi.resets(h.databaseId);
    let failPut = true;
    let consumerDuringOutage: Promise<boolean> | undefined;
    const off = h.fake.onOperation((operation) => {
      if (operation === 'PutSecretValue' && failPut) {
        failPut = false;
        throw new FakeAwsError('InternalServiceError', 'simulated crash before the put landed');
      }
    });
    try {
      const crashed = await h.rotate();
      // alternating-users issues in createSecret; reset-password can only issue by resetting (setSecret).
      expect(crashed.failed?.step).toBe(strategy === 'reset-password' ? 'setSecret' : 'createSecret');
      consumerDuringOutage = consumerToken(h).then((token) => isRefused(before.url, token, rest));
      if (strategy === 'reset-password') {
        // The named window: the reset happened, its tokens exist only in Upstash until the rerun stages them.
        expect(await consumerDuringOutage).toBe(true);
      } else {
        expect(await consumerDuringOutage).toBe(false);
      }
      const rerun = await h.rotate();
      expect(rerun.failed).toBeUndefined();
      expect(rerun.token).toBe(crashed.token);
      await expectHealthy(h);
      await expectConsumerWorks(h);
      if (strategy === 'reset-password') {
        // The rerun staged the tokens of the first reset instead of resetting again.
        expect(h.devApi.resets(h.databaseId)).toBe(resetsBefore + 1);
      } else {
        // The credentials issued before the crash were never stored; setSecret kept only the staged one.
        const user = h.current().strategy;
        const info = (await rest.run(h.current().url, await adminToken(h), ['ACL', 'GETUSER', user.name === 'alternating-users' ? user.user : ''])) as unknown[];
        const passwords = info[info.indexOf('passwords') + 1] as unknown[];
        expect(passwords).toHaveLength(1);
      }
    } finally {
      off();
    }
  });

  it('cleans up when finishSecret dies between moving AWSCURRENT and dropping AWSPENDING', async () => {
    let updates = 0;
    const off = h.fake.onOperation((operation, input) => {
      if (operation === 'UpdateSecretVersionStage' && input.VersionStage === 'AWSPENDING' && updates++ === 0) {
        throw new FakeAwsError('InternalServiceError', 'simulated crash');
      }
    });
    try {
      const crashed = await h.rotate();
      expect(crashed.failed?.step).toBe('finishSecret');
      expect(h.fake.stages(h.secretId)[crashed.token]).toEqual(['AWSCURRENT', 'AWSPENDING']);
      await expectConsumerWorks(h);
      // Lambda's retry delivers finishSecret again.
      await h.rotator.rotate({ Step: 'finishSecret', SecretId: h.secretId, ClientRequestToken: crashed.token });
      expect(h.fake.stages(h.secretId)[crashed.token]).toEqual(['AWSCURRENT']);
      await expectHealthy(h);
    } finally {
      off();
    }
  });
});

/** The default user's token, fresh from the local Developer API (rotation resets it every time). */
async function adminToken(h: RotationHarness): Promise<string> {
  const res = await fetch(`${h.devApi.url}/v2/redis/database/${h.databaseId}`, {
    headers: { authorization: `Basic ${Buffer.from('ops@clarivum.example:dev-api-key-0123456789abcdef').toString('base64')}` },
  });
  return ((await res.json()) as { rest_token: string }).rest_token;
}

/** Runs commands for real, but loses the reply of the next token mint (the token exists, nobody saw it). */
class LossyRunner implements RestCommandRunner {
  loseNextMint = false;
  readonly lost: string[] = [];
  private readonly real = new UpstashRestRunner({ timeoutMs: 2_000 });

  async run(url: string, token: string, command: readonly string[]): Promise<unknown> {
    const answer = await this.real.run(url, token, command);
    if (mintsToken(command) && this.loseNextMint) {
      this.loseNextMint = false;
      this.lost.push(String(answer));
      throw new TypeError('fetch failed: socket hang up');
    }
    return answer;
  }
}

describe('alternating-users: a lost ACL GENTOKEN reply', () => {
  const runner = new LossyRunner();
  let h: RotationHarness;

  beforeAll(async () => {
    h = await startRotationHarness({ strategy: 'alternating-users', rest: runner });
    await enableAndSeed(h);
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('leaves no token valid that nobody has seen, and consumers keep working', async () => {
    await h.rotate();
    runner.loseNextMint = true;
    const crashed = await h.rotate();
    expect(crashed.failed?.step).toBe('createSecret');
    expect(runner.lost).toHaveLength(1);
    await expectConsumerWorks(h);
    // The retried createSecret revokes what it cannot account for before it mints again.
    await h.rotator.rotate({ Step: 'createSecret', SecretId: h.secretId, ClientRequestToken: crashed.token });
    expect(await isRefused(h.current().url, runner.lost[0], rest)).toBe(true);
    const previous = h.valueAt('AWSPREVIOUS');
    if (previous) expect(await isRefused(previous.url, previous.token, rest)).toBe(false);
    await expectConsumerWorks(h);
    const rerun = await h.rotate();
    expect(rerun.failed).toBeUndefined();
    await expectHealthy(h);
    // setSecret kept only the staged password: the token whose reply was lost is refused.
    expect(await isRefused(h.current().url, runner.lost[0], rest)).toBe(true);
    await expectConsumerWorks(h);
  });
});
