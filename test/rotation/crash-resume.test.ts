/**
 * A rotation interrupted after any step (or in the middle of one) completes when it is run again,
 * with exactly one AWSCURRENT whose tokens work. Rerunning is what the operator command does:
 * `RotateSecret` answers "A previous rotation isn't complete" and Secrets Manager reattempts the
 * unfinished rotation with the same ClientRequestToken.
 */
import type { RotationStrategy } from '../../config/types';
import { ROTATION_STEPS, FakeAwsError, type RotationStep } from '../support/fake-secrets-manager';
import { UpstashRestRunner } from '../../lambdas/rotation/upstash-rest';
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

describe.each<RotationStrategy>(['alternating-users', 'reset-password'])('%s: crash and rerun', (strategy) => {
  let h: RotationHarness;

  beforeAll(async () => {
    h = await startRotationHarness({ strategy });
    await enableAndSeed(h);
  });

  afterAll(async () => {
    await h?.stop();
  });

  it.each(ROTATION_STEPS)('completes after a crash right after %s', async (step: RotationStep) => {
    const before = h.current();
    const resetsBefore = h.devApi.resets(h.databaseId);
    h.crashAfter(step);
    const crashed = await h.rotate();
    h.crashAfter(undefined);
    expect(crashed.failed?.step).toBe(step);
    const pendingBeforeRerun = step === 'finishSecret' ? undefined : h.valueAt('AWSPENDING');
    if (step !== 'finishSecret') {
      // Unfinished: consumers still read the old version.
      expect(h.current().token).toBe(before.token);
      expect(pendingBeforeRerun).toBeDefined();
    }

    const rerun = await h.rotate();
    expect(rerun.failed).toBeUndefined();
    await expectHealthy(h);
    if (step === 'finishSecret') {
      // The crashed rotation had finished its work; the rerun is a new rotation.
      expect(rerun.token).not.toBe(crashed.token);
      expect(h.valueAt('AWSPREVIOUS')?.token).not.toBe(before.token);
    } else {
      // Same rotation resumed: createSecret's credentials were kept, not issued again.
      expect(rerun.token).toBe(crashed.token);
      expect(h.current().token).toBe(pendingBeforeRerun!.token);
      expect(h.valueAt('AWSPREVIOUS')?.token).toBe(before.token);
      if (strategy === 'reset-password') expect(h.devApi.resets(h.databaseId)).toBe(resetsBefore + 1);
    }
  });

  it('completes after dying inside createSecret, between issuing credentials and storing them', async () => {
    let failPut = true;
    const off = h.fake.onOperation((operation) => {
      if (operation === 'PutSecretValue' && failPut) {
        failPut = false;
        throw new FakeAwsError('InternalServiceError', 'simulated crash before the put landed');
      }
    });
    try {
      const crashed = await h.rotate();
      expect(crashed.failed?.step).toBe('createSecret');
      const rerun = await h.rotate();
      expect(rerun.failed).toBeUndefined();
      expect(rerun.token).toBe(crashed.token);
      await expectHealthy(h);
      if (strategy === 'alternating-users') {
        // The credentials issued before the crash were never stored; the rerun's reset dropped them.
        const user = h.current().strategy;
        const info = (await rest.run(h.upstash.url, h.upstash.server.token, ['ACL', 'GETUSER', user.name === 'alternating-users' ? user.user : ''])) as unknown[];
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
      // Lambda's retry delivers finishSecret again.
      await h.rotator.rotate({ Step: 'finishSecret', SecretId: h.secretId, ClientRequestToken: crashed.token });
      expect(h.fake.stages(h.secretId)[crashed.token]).toEqual(['AWSCURRENT']);
      await expectHealthy(h);
    } finally {
      off();
    }
  });
});
