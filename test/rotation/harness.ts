/**
 * Everything a rotation test needs, real where it can be: a local Upstash server on redis-server,
 * the local Developer API stand-in, and the in-memory Secrets Manager (AWS, mocked) reached through
 * the real SDK client. The rotation function is registered with the fake the way AWS invokes it.
 */
import { CreateSecretCommand, RotateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RotationStrategy } from '../../config/types';
import { startDeveloperApi, type LocalDeveloperApi } from '../../local/developer-api';
import { SecretRotator } from '../../lambdas/rotation/rotator';
import { ROTATION_TAGS, secretNames, UNSEEDED_SECRET_STRING } from '../../contracts/secrets';
import { parseUpstashSecret, type UpstashSecretValue } from '../../lambdas/rotation/secret-value';
import type { RotationLogger } from '../../lambdas/rotation/strategy';
import type { RestCommandRunner } from '../../lambdas/rotation/upstash-rest';
import { FakeSecretsManager, type FakeRotationEvent, type RotationRecord, type RotationStep } from '../support/fake-secrets-manager';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

export const ROTATION_LAMBDA_ARN = 'arn:aws:lambda:eu-central-1:111111111111:function:clarivum-dev-rotation';
export const QUARTERLY = 'cron(0 8 1 JAN,APR,JUL,OCT ? *)';
export const DEV_API_EMAIL = 'ops@clarivum.example';
export const DEV_API_KEY = 'dev-api-key-0123456789abcdef';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: readonly Record<string, unknown>[];
}

/** Records log lines so tests can check what was (and was not) logged. */
export class RecordingLogger implements RotationLogger {
  readonly lines: LogLine[] = [];
  info(message: string, ...extra: Record<string, unknown>[]): void { this.lines.push({ level: 'info', message, extra }); }
  warn(message: string, ...extra: Record<string, unknown>[]): void { this.lines.push({ level: 'warn', message, extra }); }
  error(message: string, ...extra: Record<string, unknown>[]): void { this.lines.push({ level: 'error', message, extra }); }
  text(): string { return JSON.stringify(this.lines); }
}

export interface HarnessOptions {
  readonly strategy: RotationStrategy;
  /** Delay before each step, as between Lambda invocations. @default 0 */
  readonly stepDelayMs?: number;
  /** The rotation function's REST runner, e.g. one that loses replies. @default UpstashRestRunner */
  readonly rest?: RestCommandRunner;
}

export interface RotationHarness {
  readonly fake: FakeSecretsManager;
  readonly client: SecretsManagerClient;
  readonly upstash: TestUpstash;
  readonly devApi: LocalDeveloperApi;
  readonly logger: RecordingLogger;
  readonly rotator: SecretRotator;
  readonly secretId: string;
  readonly databaseId: string;
  /** Throws after the named step has done its work (the function dies before answering). */
  crashAfter(step: RotationStep | undefined): void;
  /** Runs a step before each invocation, e.g. to watch the secret between steps. */
  onStep(fn: ((event: FakeRotationEvent) => Promise<void> | void) | undefined): void;
  /** RotateSecret (as the operator command does) and wait until that rotation settles. */
  rotate(): Promise<RotationRecord>;
  current(): UpstashSecretValue;
  valueAt(stage: string): UpstashSecretValue | undefined;
  stop(): Promise<void>;
}

export async function startRotationHarness(opts: HarnessOptions): Promise<RotationHarness> {
  // ACL users live in the whole redis-server, so the ACL strategy gets its own.
  const upstash = await startTestUpstash({ dedicatedRedis: opts.strategy === 'alternating-users' });
  const databaseId = `db-${opts.strategy}`;
  const devApi = await startDeveloperApi({
    email: DEV_API_EMAIL,
    apiKey: DEV_API_KEY,
    databases: [{ id: databaseId, name: 'clarivum-cache-dev', server: upstash.server }],
  });
  const fake = new FakeSecretsManager();
  const client = fake.client();
  const logger = new RecordingLogger();
  const names = secretNames('dev');
  await client.send(new CreateSecretCommand({ Name: names.developerApi, SecretString: JSON.stringify({ email: DEV_API_EMAIL, apiKey: DEV_API_KEY }) }));
  const created = await client.send(new CreateSecretCommand({
    Name: names.cache,
    SecretString: UNSEEDED_SECRET_STRING,
    Tags: [
      { Key: ROTATION_TAGS.database, Value: 'cache' },
      { Key: ROTATION_TAGS.databaseId, Value: databaseId },
      { Key: ROTATION_TAGS.strategy, Value: opts.strategy },
    ],
  }));
  const rotator = new SecretRotator({
    client,
    developerApiSecretId: names.developerApi,
    developerApiUrl: devApi.url,
    restScheme: 'http',
    logger,
    rest: opts.rest,
  });
  let crashStep: RotationStep | undefined;
  let beforeStep: ((event: FakeRotationEvent) => Promise<void> | void) | undefined;
  fake.registerRotationFunction(ROTATION_LAMBDA_ARN, async (event) => {
    if (opts.stepDelayMs) await new Promise((resolve) => setTimeout(resolve, opts.stepDelayMs));
    await beforeStep?.(event);
    await rotator.rotate(event);
    if (event.Step === crashStep) throw new Error(`simulated crash after ${event.Step}`);
  });
  const secretId = created.ARN!;

  const harness: RotationHarness = {
    fake, client, upstash, devApi, logger, rotator, secretId, databaseId,
    crashAfter: (step) => { crashStep = step; },
    onStep: (fn) => { beforeStep = fn; },
    async rotate() {
      const count = fake.rotations.length;
      try {
        await client.send(new RotateSecretCommand({ SecretId: secretId }));
      } catch (error) {
        // "A previous rotation isn't complete": the fake reattempts it, as AWS does.
        if ((error as Error).name !== 'InvalidRequestException') throw error;
      }
      await fake.settled();
      const record = fake.rotations[count];
      if (!record) throw new Error('RotateSecret started no rotation');
      return record;
    },
    current() {
      const value = harness.valueAt('AWSCURRENT');
      if (!value) throw new Error('the secret has no seeded AWSCURRENT value');
      return value;
    },
    valueAt(stage) {
      const text = fake.valueAt(secretId, stage);
      return text === undefined ? undefined : parseUpstashSecret(text, stage);
    },
    async stop() {
      client.destroy();
      await devApi.close();
      await upstash.stop();
    },
  };
  return harness;
}

/** Configures rotation on the secret and runs the first (seeding) rotation. */
export async function enableAndSeed(h: RotationHarness): Promise<RotationRecord> {
  const count = h.fake.rotations.length;
  await h.client.send(new RotateSecretCommand({
    SecretId: h.secretId,
    RotationLambdaARN: ROTATION_LAMBDA_ARN,
    RotationRules: { ScheduleExpression: QUARTERLY },
    RotateImmediately: true,
  }));
  await h.fake.settled();
  return h.fake.rotations[count];
}

/** Exactly one version carries each of these labels, and at most one carries AWSPENDING. */
export function labelCounts(stages: Record<string, string[]>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const labels of Object.values(stages)) for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}
