/**
 * The in-memory Secrets Manager behaves as AWS documents, seen through the real SDK client (so the
 * awsJson1_1 serialization and the modeled exception classes are real).
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { FakeSecretsManager, nextScheduleTime, type FakeRotationEvent } from '../support/fake-secrets-manager';

const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';
const T3 = '33333333-3333-4333-8333-333333333333';
const LAMBDA = 'arn:aws:lambda:eu-central-1:111111111111:function:rotation';

async function setup() {
  const fake = new FakeSecretsManager();
  const client = fake.client();
  const { ARN } = await client.send(new CreateSecretCommand({ Name: 'clarivum/dev/x', SecretString: 'v1', ClientRequestToken: T1 }));
  return { fake, client, arn: ARN! };
}

describe('FakeSecretsManager through the real SDK', () => {
  it('returns AWSCURRENT by default, by name or ARN, and the modeled error for a missing label', async () => {
    const { client, arn } = await setup();
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'clarivum/dev/x' }))).SecretString).toBe('v1');
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(byArn).toMatchObject({ VersionId: T1, VersionStages: ['AWSCURRENT'] });
    expect(byArn.CreatedDate).toBeInstanceOf(Date);
    const missing = client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' }));
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })))
      .rejects.toThrow("Secrets Manager can't find the specified secret value for staging label: AWSPENDING");
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toThrow("can't find the specified secret");
  });

  it('makes PutSecretValue idempotent per ClientRequestToken and refuses to change a version', async () => {
    const { client, arn } = await setup();
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: T2, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: T2, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    const change = client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: T2, SecretString: 'other', VersionStages: ['AWSPENDING'] }));
    await expect(change).rejects.toBeInstanceOf(ResourceExistsException);
    const pending = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: T2, VersionStage: 'AWSPENDING' }));
    expect(pending.SecretString).toBe('v2');
  });

  it('keeps labels unique: a new AWSPENDING leaves the old version, moving AWSCURRENT makes AWSPREVIOUS', async () => {
    const { fake, client, arn } = await setup();
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: T2, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: T3, SecretString: 'v3', VersionStages: ['AWSPENDING'] }));
    expect(fake.stages(arn)).toEqual({ [T1]: ['AWSCURRENT'], [T2]: [], [T3]: ['AWSPENDING'] });
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: T3, RemoveFromVersionId: T1 }));
    expect(fake.stages(arn)).toEqual({ [T1]: ['AWSPREVIOUS'], [T2]: [], [T3]: ['AWSCURRENT', 'AWSPENDING'] });
    const listed = await client.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
    expect(listed.Versions?.map((v) => v.VersionId).sort()).toEqual([T1, T3]);
    const all = await client.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(3);
  });

  it('refuses to move AWSCURRENT without naming the version it leaves, as AWS does', async () => {
    const { client, arn } = await setup();
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: T2, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    const move = client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: T2 }));
    await expect(move).rejects.toBeInstanceOf(InvalidParameterException);
    const wrong = client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: T2, RemoveFromVersionId: T2 }));
    await expect(wrong).rejects.toThrow(/not attached to the version/);
  });

  it('RotateSecret creates an empty AWSPENDING version, runs the four steps, and reattempts an unfinished rotation', async () => {
    const { fake, client, arn } = await setup();
    const seen: FakeRotationEvent[] = [];
    let fail = true;
    fake.registerRotationFunction(LAMBDA, async (event) => {
      seen.push(event);
      if (event.Step === 'createSecret') {
        // The version exists with AWSPENDING but has no value until createSecret puts one.
        const read = client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }));
        await expect(read).rejects.toBeInstanceOf(ResourceNotFoundException);
        const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
        expect(meta.VersionIdsToStages?.[event.ClientRequestToken]).toEqual(['AWSPENDING']);
      }
      if (event.Step === 'testSecret' && fail) throw new Error('boom');
    });
    const { VersionId } = await client.send(new RotateSecretCommand({
      SecretId: arn, RotationLambdaARN: LAMBDA, RotationRules: { ScheduleExpression: 'cron(0 8 1 JAN,APR,JUL,OCT ? *)' }, ClientRequestToken: T2,
    }));
    expect(VersionId).toBe(T2);
    await fake.settled();
    expect(fake.rotations[0]).toMatchObject({ completed: ['createSecret', 'setSecret'], failed: { step: 'testSecret' } });
    fail = false;
    const again = client.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: T3 }));
    await expect(again).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(client.send(new RotateSecretCommand({ SecretId: arn }))).rejects.toThrow("A previous rotation isn't complete");
    await fake.settled();
    expect(fake.rotations[1].token).toBe(T2);
    expect(seen.every((e) => e.SecretId === arn && e.ClientRequestToken === T2)).toBe(true);
  });

  it('reports rotation settings and the next quarterly date in DescribeSecret', async () => {
    const { fake, client, arn } = await setup();
    fake.registerRotationFunction(LAMBDA, async () => undefined);
    await client.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: LAMBDA, RotationRules: { ScheduleExpression: 'cron(0 8 1 JAN,APR,JUL,OCT ? *)' }, RotateImmediately: false }));
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta).toMatchObject({ RotationEnabled: true, RotationLambdaARN: LAMBDA, RotationRules: { ScheduleExpression: 'cron(0 8 1 JAN,APR,JUL,OCT ? *)' } });
    expect(meta.NextRotationDate?.getUTCDate()).toBe(1);
    expect([0, 3, 6, 9]).toContain(meta.NextRotationDate?.getUTCMonth());
    expect(meta.NextRotationDate!.getTime()).toBeGreaterThan(Date.now());
  });

  it('computes quarterly schedule times', () => {
    expect(nextScheduleTime('cron(0 8 1 JAN,APR,JUL,OCT ? *)', new Date('2026-11-21T12:00:00Z'))?.toISOString()).toBe('2027-01-01T08:00:00.000Z');
    expect(nextScheduleTime('cron(0 8 1 JAN,APR,JUL,OCT ? *)', new Date('2027-04-01T07:59:00Z'))?.toISOString()).toBe('2027-04-01T08:00:00.000Z');
    expect(nextScheduleTime('rate(30 days)', new Date('2027-01-01T00:00:00Z'))?.toISOString()).toBe('2027-01-31T00:00:00.000Z');
  });

  it('generates passwords honouring the exclusions', async () => {
    const { client } = await setup();
    const { RandomPassword } = await client.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true }));
    expect(RandomPassword).toMatch(/^[A-Za-z0-9]{40}$/);
  });
});
