/**
 * The four Secrets Manager rotation steps for an Upstash credentials secret. Each step checks the
 * version stages first, so a repeated invocation (Lambda retries, Secrets Manager reattempting an
 * unfinished rotation with the same ClientRequestToken) finds its work done and does nothing.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { RotationStrategy } from '../../config/types';
import { alternatingUsers } from './alternating-users';
import { DeveloperApiClient, parseDeveloperApiSecret, type UpstashDatabaseDetails } from '../shared/upstash-developer-api';
import { resetPassword } from './reset-password';
import { DATABASE_ROLES, type DatabaseRole } from '../../contracts/database-roles';
import { ROTATION_TAGS } from '../../contracts/secrets';
import { isRotationStrategy, parseUpstashSecret, SecretFormatError, serializeUpstashSecret, type UpstashSecretValue } from './secret-value';
import type { RotationLogger, RotationStrategyHandler, StrategyContext, StrategyStages } from './strategy';
import { UpstashRestRunner, type RestCommandRunner } from './upstash-rest';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
const STEPS: readonly string[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export const STAGE = { current: 'AWSCURRENT', pending: 'AWSPENDING', previous: 'AWSPREVIOUS' } as const;

export const STRATEGIES: Readonly<Record<RotationStrategy, RotationStrategyHandler>> = {
  'alternating-users': alternatingUsers,
  'reset-password': resetPassword,
};

/** A rotation that cannot proceed; the message says why and names no secret value. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

export interface SecretRotatorOptions {
  readonly client: SecretsManagerClient;
  /** Name or ARN of the secret holding the Developer API email and key (read only). */
  readonly developerApiSecretId: string;
  /** @default https://api.upstash.com */
  readonly developerApiUrl?: string;
  /** @default UpstashRestRunner over @upstash/redis */
  readonly rest?: RestCommandRunner;
  /** Scheme of the database REST URL built from the Developer API `endpoint`. @default 'https' */
  readonly restScheme?: 'https' | 'http';
  readonly logger: RotationLogger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export class SecretRotator {
  private readonly rest: RestCommandRunner;
  private readonly now: () => Date;

  constructor(private readonly opts: SecretRotatorOptions) {
    this.rest = opts.rest ?? new UpstashRestRunner();
    this.now = opts.now ?? (() => new Date());
  }

  /** Runs one step. Returns the database the secret belongs to (its tag), for the caller's metrics. */
  async rotate(event: RotationEvent): Promise<RotationStepResult> {
    const { Step: step, SecretId: secretId, ClientRequestToken: token } = event;
    if (!STEPS.includes(step)) throw new RotationError(`invalid rotation step "${step}"`);
    if (!secretId || !token) throw new RotationError('the event needs SecretId and ClientRequestToken');
    const log = { step, secretId, versionId: token };
    const meta = await this.opts.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (!meta.RotationEnabled) throw new RotationError(`secret ${secretId} is not enabled for rotation`);
    const result: RotationStepResult = { step: step as RotationStep, database: databaseRole(tag(meta, ROTATION_TAGS.database)) };
    const stages = meta.VersionIdsToStages?.[token];
    if (!stages) throw new RotationError(`secret version ${token} has no stage for rotation of secret ${secretId}`);
    if (stages.includes(STAGE.current)) {
      if (step === 'finishSecret' && stages.includes(STAGE.pending)) await this.removePending(secretId, token);
      this.opts.logger.info('version is already AWSCURRENT: nothing to do', log);
      return result;
    }
    if (!stages.includes(STAGE.pending)) {
      throw new RotationError(`secret version ${token} is not AWSPENDING for rotation of secret ${secretId}`);
    }
    this.opts.logger.info('rotation step started', log);
    switch (step as RotationStep) {
      case 'createSecret': await this.createSecret(meta, secretId, token); break;
      case 'setSecret': await this.setSecret(meta, secretId, token); break;
      case 'testSecret': await this.testSecret(meta, secretId, token); break;
      case 'finishSecret': await this.finishSecret(meta, secretId, token); break;
    }
    this.opts.logger.info('rotation step finished', log);
    return result;
  }

  private async createSecret(meta: DescribeSecretCommandOutput, secretId: string, token: string): Promise<void> {
    if (await this.readVersion(secretId, token)) {
      this.opts.logger.info('AWSPENDING value already stored: createSecret done before', { secretId, versionId: token });
      return;
    }
    const strategy = strategyOf(meta, secretId);
    const pending = await strategy.create(await this.readStages(secretId), this.context(meta, secretId));
    if (pending) await this.stagePending(secretId, token, pending);
  }

  private async setSecret(meta: DescribeSecretCommandOutput, secretId: string, token: string): Promise<void> {
    const strategy = strategyOf(meta, secretId);
    const staged = await this.readVersion(secretId, token);
    const issued = await strategy.apply(staged, await this.readStages(secretId), this.context(meta, secretId));
    if (staged) return;
    if (!issued) throw new RotationError(`strategy ${strategy.name} staged no credentials for version ${token} of ${secretId}`);
    await this.stagePending(secretId, token, issued);
  }

  /** The same ClientRequestToken makes this put idempotent; a crash before it leaves the version empty. */
  private async stagePending(secretId: string, token: string, pending: UpstashSecretValue): Promise<void> {
    await this.opts.client.send(new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      SecretString: serializeUpstashSecret(pending),
      VersionStages: [STAGE.pending],
    }));
    this.opts.logger.info('stored the new credentials as AWSPENDING', { secretId, versionId: token, strategy: pending.strategy.name });
  }

  private async testSecret(meta: DescribeSecretCommandOutput, secretId: string, token: string): Promise<void> {
    const pending = await this.requirePending(secretId, token);
    const stages = await this.readStages(secretId);
    await STRATEGIES[pending.strategy.name].test(pending, stages, this.context(meta, secretId));
  }

  private async finishSecret(meta: DescribeSecretCommandOutput, secretId: string, token: string): Promise<void> {
    const current = Object.entries(meta.VersionIdsToStages ?? {}).find(([, labels]) => labels.includes(STAGE.current))?.[0];
    await this.opts.client.send(new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: STAGE.current,
      MoveToVersionId: token,
      ...(current ? { RemoveFromVersionId: current } : {}),
    }));
    this.opts.logger.info('moved AWSCURRENT to the new version', { secretId, versionId: token, previousVersionId: current });
    await this.removePending(secretId, token);
  }

  /** AWSPENDING left on the current version would make the next RotateSecret look unfinished to readers. */
  private async removePending(secretId: string, token: string): Promise<void> {
    await this.opts.client.send(new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: STAGE.pending,
      RemoveFromVersionId: token,
    }));
  }

  private async requirePending(secretId: string, token: string): Promise<UpstashSecretValue> {
    const pending = await this.readVersion(secretId, token);
    if (!pending) throw new RotationError(`secret version ${token} of ${secretId} has no credentials: createSecret or setSecret did not stage them`);
    return pending;
  }

  private async readStages(secretId: string): Promise<StrategyStages> {
    const [current, previous] = await Promise.all([
      this.readStage(secretId, STAGE.current),
      // An unreadable AWSPREVIOUS (an older format, a hand edit) only loses the revocation check.
      this.readStage(secretId, STAGE.previous).catch((error: unknown) => {
        if (!(error instanceof SecretFormatError)) throw error;
        this.opts.logger.warn('AWSPREVIOUS is not readable; ignored', { secretId, reason: error.message });
        return undefined;
      }),
    ]);
    return { current, previous };
  }

  /** The parsed value at a label; undefined when the label or a seeded value is missing. */
  private async readStage(secretId: string, stage: string): Promise<UpstashSecretValue | undefined> {
    const text = await this.getString({ SecretId: secretId, VersionStage: stage });
    return text === undefined ? undefined : parseUpstashSecret(text, `${secretId} (${stage})`);
  }

  /** The AWSPENDING value of this rotation's version; undefined while it has none (ResourceNotFound). */
  private async readVersion(secretId: string, token: string): Promise<UpstashSecretValue | undefined> {
    const text = await this.getString({ SecretId: secretId, VersionId: token, VersionStage: STAGE.pending });
    if (text === undefined) return undefined;
    const value = parseUpstashSecret(text, `${secretId} (version ${token})`);
    if (!value) throw new RotationError(`secret version ${token} of ${secretId} holds the unseeded placeholder`);
    return value;
  }

  private async getString(input: { SecretId: string; VersionId?: string; VersionStage?: string }): Promise<string | undefined> {
    try {
      const out = await this.opts.client.send(new GetSecretValueCommand(input));
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  private context(meta: DescribeSecretCommandOutput, secretId: string): StrategyContext {
    const databaseId = tag(meta, ROTATION_TAGS.databaseId);
    if (!databaseId) throw new RotationError(`secret ${secretId} has no ${ROTATION_TAGS.databaseId} tag: the secrets stack sets it`);
    let api: Promise<DeveloperApiClient> | undefined;
    return {
      databaseId,
      developerApi: () => (api ??= this.developerApi()),
      rest: this.rest,
      restUrl: (db: UpstashDatabaseDetails) => `${this.opts.restScheme ?? 'https'}://${db.endpoint}`,
      logger: this.opts.logger,
      now: this.now,
    };
  }

  private async developerApi(): Promise<DeveloperApiClient> {
    const id = this.opts.developerApiSecretId;
    const text = await this.getString({ SecretId: id, VersionStage: STAGE.current });
    if (text === undefined) throw new RotationError(`the Developer API secret ${id} has no AWSCURRENT value`);
    return new DeveloperApiClient({ credentials: parseDeveloperApiSecret(text, id), baseUrl: this.opts.developerApiUrl });
  }
}

export interface RotationStepResult {
  readonly step: RotationStep;
  /** `cache` or `guardrails`, from the secret's tag; undefined when untagged. */
  readonly database?: DatabaseRole;
}

function databaseRole(value: string | undefined): DatabaseRole | undefined {
  return DATABASE_ROLES.find((r) => r === value);
}

function strategyOf(meta: DescribeSecretCommandOutput, secretId: string): RotationStrategyHandler {
  const name = tag(meta, ROTATION_TAGS.strategy);
  if (!isRotationStrategy(name)) {
    throw new RotationError(`tag ${ROTATION_TAGS.strategy} of secret ${secretId} must be alternating-users or reset-password, got "${name}"`);
  }
  return STRATEGIES[name];
}

function tag(meta: DescribeSecretCommandOutput, key: string): string | undefined {
  return meta.Tags?.find((t) => t.Key === key)?.Value;
}
