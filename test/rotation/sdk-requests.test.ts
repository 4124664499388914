/**
 * The exact AWS SDK requests the rotation function and the consumers send, checked with
 * aws-sdk-client-mock (the commands are routed to the in-memory Secrets Manager, so the rotation
 * really runs against the local Upstash server and Developer API).
 */
import * as sm from '@aws-sdk/client-secrets-manager';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { startDeveloperApi, type LocalDeveloperApi } from '../../local/developer-api';
import { SecretRotator } from '../../lambdas/rotation/rotator';
import { ROTATION_TAGS, secretNames, UNSEEDED_SECRET_STRING } from '../../contracts/secrets';
import { SecretsManagerTokens, SecretsManagerCredentialsSource } from '../../lambdas/shared/secrets-manager-credentials';
import { FakeAwsError, FakeSecretsManager } from '../support/fake-secrets-manager';
import { startTestUpstash, type TestUpstash } from '../support/upstash';
import { RecordingLogger, ROTATION_LAMBDA_ARN } from './harness';

const COMMANDS = ['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage'] as const;
const names = secretNames('dev');

/** A mocked SDK client whose commands the fake answers, errors turned into the SDK's exception classes. */
function routedClient(fake: FakeSecretsManager) {
  const client = new SecretsManagerClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(client);
  for (const name of COMMANDS) {
    const Command = sm[`${name}Command`] as unknown as new (input: never) => sm.DescribeSecretCommand;
    mock.on(Command as never).callsFake(async (input: Record<string, unknown>) => {
      try {
        return await fake.call(name, input);
      } catch (error) {
        if (!(error instanceof FakeAwsError)) throw error;
        const Exception = (sm as unknown as Record<string, new (o: { message: string; $metadata: object }) => Error>)[error.type];
        throw Exception ? new Exception({ message: error.message, $metadata: {} }) : error;
      }
    });
  }
  return { client, mock };
}

let upstash: TestUpstash;
let devApi: LocalDeveloperApi;

beforeAll(async () => {
  upstash = await startTestUpstash();
  devApi = await startDeveloperApi({ email: 'ops@clarivum.example', apiKey: 'k-123', databases: [{ id: 'db-1', server: upstash.server }] });
});

afterAll(async () => {
  await devApi?.close();
  await upstash?.stop();
});

describe('rotation function requests', () => {
  it('reads AWSPENDING by version, puts with the ClientRequestToken, moves labels naming both versions, and only reads the Developer API secret', async () => {
    const fake = new FakeSecretsManager();
    await fake.call('CreateSecret', { Name: names.developerApi, SecretString: JSON.stringify({ email: 'ops@clarivum.example', apiKey: 'k-123' }) });
    const { ARN: arn } = (await fake.call('CreateSecret', {
      Name: names.cache,
      SecretString: UNSEEDED_SECRET_STRING,
      ClientRequestToken: '00000000-0000-4000-8000-000000000000',
      Tags: [{ Key: ROTATION_TAGS.databaseId, Value: 'db-1' }, { Key: ROTATION_TAGS.strategy, Value: 'reset-password' }],
    })) as { ARN: string };
    const { client, mock } = routedClient(fake);
    const rotator = new SecretRotator({ client, developerApiSecretId: names.developerApi, developerApiUrl: devApi.url, restScheme: 'http', logger: new RecordingLogger() });
    fake.registerRotationFunction(ROTATION_LAMBDA_ARN, (event) => rotator.rotate(event));
    const { VersionId: token } = (await fake.call('RotateSecret', { SecretId: arn, RotationLambdaARN: ROTATION_LAMBDA_ARN })) as { VersionId: string };
    await fake.settled();
    expect(fake.rotations[0].failed).toBeUndefined();

    expect(mock.commandCalls(DescribeSecretCommand).every((c) => c.args[0].input.SecretId === arn)).toBe(true);
    const gets = mock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input);
    expect(gets).toContainEqual({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' });
    expect(gets).toContainEqual({ SecretId: arn, VersionStage: 'AWSCURRENT' });
    expect(gets).toContainEqual({ SecretId: names.developerApi, VersionStage: 'AWSCURRENT' });

    const puts = mock.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([{ SecretId: arn, ClientRequestToken: token, SecretString: expect.any(String), VersionStages: ['AWSPENDING'] }]);
    expect(JSON.parse(puts[0].SecretString!)).toMatchObject({ schemaVersion: 1, url: upstash.url, databaseId: 'db-1', strategy: { name: 'reset-password' } });

    const updates = mock.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input);
    expect(updates).toEqual([
      { SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: '00000000-0000-4000-8000-000000000000' },
      { SecretId: arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token },
    ]);
    mock.restore();
  });

  it('fails a step with a clear error when the version is not AWSPENDING or rotation is off', async () => {
    const fake = new FakeSecretsManager();
    const { ARN: arn } = (await fake.call('CreateSecret', { Name: names.guardrails, SecretString: UNSEEDED_SECRET_STRING })) as { ARN: string };
    const rotator = new SecretRotator({ client: fake.client(), developerApiSecretId: names.developerApi, logger: new RecordingLogger() });
    const event = { Step: 'createSecret', SecretId: arn, ClientRequestToken: '12345678-1234-4234-8234-123456789012' };
    await expect(rotator.rotate(event)).rejects.toThrow(`secret ${arn} is not enabled for rotation`);
    fake.registerRotationFunction(ROTATION_LAMBDA_ARN, async () => undefined);
    await fake.call('RotateSecret', { SecretId: arn, RotationLambdaARN: ROTATION_LAMBDA_ARN, RotateImmediately: false });
    await expect(rotator.rotate(event)).rejects.toThrow(`secret version ${event.ClientRequestToken} has no stage for rotation`);
    await expect(rotator.rotate({ ...event, Step: 'dropSecret' })).rejects.toThrow('invalid rotation step "dropSecret"');
    // No strategy tag: createSecret refuses instead of guessing.
    const { VersionId } = (await fake.call('RotateSecret', { SecretId: arn })) as { VersionId: string };
    await fake.settled();
    await expect(rotator.rotate({ ...event, ClientRequestToken: VersionId })).rejects.toThrow(/tag clarivum:rotation-strategy .* got "undefined"/);
  });
});

describe('consumer requests', () => {
  it('reads AWSCURRENT only, from cache until refresh()', async () => {
    const fake = new FakeSecretsManager();
    await fake.call('CreateSecret', {
      Name: names.cache,
      SecretString: JSON.stringify({ url: upstash.url, token: upstash.server.token, readOnlyToken: upstash.server.readOnlyToken }),
    });
    await fake.call('PutSecretValue', { SecretId: names.cache, ClientRequestToken: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', SecretString: '{"pending":true}', VersionStages: ['AWSPENDING'] });
    const { client, mock } = routedClient(fake);
    const source = new SecretsManagerCredentialsSource({ secretId: names.cache, client });
    expect(await source.get()).toEqual({ url: upstash.url, token: upstash.server.token, readOnlyToken: upstash.server.readOnlyToken });
    await source.get();
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    await source.refresh();
    const inputs = mock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { SecretId: names.cache, VersionStage: 'AWSCURRENT' },
      { SecretId: names.cache, VersionStage: 'AWSCURRENT' },
    ]);
    const admin = new SecretsManagerTokens({ secretId: names.adminToken, client });
    await expect(admin.tokens()).rejects.toThrow(`secret ${names.adminToken} has no AWSCURRENT value`);
    expect(mock.commandCalls(GetSecretValueCommand).at(-1)?.args[0].input).toEqual({ SecretId: names.adminToken, VersionStage: 'AWSCURRENT' });
    mock.restore();
  });
});
