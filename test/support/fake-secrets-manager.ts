/**
 * A faithful in-memory AWS Secrets Manager for the calls the rotation handler, the consumers and the
 * operator command make: secrets, versions, staging labels, ClientRequestToken idempotency, rotation
 * (RotateSecret creates the AWSPENDING version and invokes the four steps asynchronously) and the
 * error types and messages AWS returns.
 *
 * AWS cannot run here, so this is a mock of an AWS API (stated as such). Code under test reaches it
 * through the real `SecretsManagerClient` via `fake.client()`: a custom `requestHandler` answers the
 * signed awsJson1_1 HTTP requests, so SDK serialization and error deserialization are real.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { HttpRequest } from '@smithy/types';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
export const ROTATION_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** The event Secrets Manager sends the rotation function for each step. */
export interface FakeRotationEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

/** Invokes the rotation function for one step; a rejection fails the rotation at that step. */
export type RotationInvoker = (event: FakeRotationEvent) => Promise<unknown>;

/** An error as AWS answers it: `__type` plus `message`, HTTP 400. */
export class FakeAwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

interface Version {
  readonly id: string;
  secretString?: string;
  readonly stages: Set<string>;
  readonly created: Date;
  lastAccessed?: Date;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  description?: string;
  kmsKeyId?: string;
  readonly created: Date;
  lastChanged: Date;
  lastAccessed?: Date;
  lastRotated?: Date;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  scheduleExpression?: string;
  automaticallyAfterDays?: number;
  tags: { Key: string; Value: string }[];
  readonly versions: Map<string, Version>;
}

/** A rotation the fake ran (or is running). */
export interface RotationRecord {
  readonly secretArn: string;
  readonly token: string;
  /** Steps that returned successfully, in order. */
  readonly completed: RotationStep[];
  /** The step that failed and its error, when one did. */
  failed?: { step: RotationStep; error: unknown };
  done: Promise<void>;
}

export interface FakeSecretsManagerOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** Clock for dates. @default Date.now */
  readonly now?: () => number;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

const LABEL_CURRENT = 'AWSCURRENT';
const LABEL_PENDING = 'AWSPENDING';
const LABEL_PREVIOUS = 'AWSPREVIOUS';

export class FakeSecretsManager {
  readonly region: string;
  readonly accountId: string;
  private readonly now: () => number;
  private readonly secrets = new Map<string, Secret>();
  private readonly rotationFunctions = new Map<string, RotationInvoker>();
  /** Every operation received, in order (inputs as the SDK serialized them). */
  readonly calls: { operation: string; input: Input }[] = [];
  readonly rotations: RotationRecord[] = [];
  private hooks: ((operation: string, input: Input) => void | Promise<void>)[] = [];

  constructor(opts: FakeSecretsManagerOptions = {}) {
    this.region = opts.region ?? 'eu-central-1';
    this.accountId = opts.accountId ?? '111111111111';
    this.now = opts.now ?? Date.now;
  }

  /** A real SDK client whose requests this fake answers. */
  client(): SecretsManagerClient {
    return new SecretsManagerClient({
      region: this.region,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fake-secret-access-key' },
      maxAttempts: 1,
      requestHandler: { handle: (request: HttpRequest) => this.handleHttp(request) },
    });
  }

  /** Registers the function `RotateSecret` invokes for a Lambda ARN. */
  registerRotationFunction(lambdaArn: string, invoke: RotationInvoker): void {
    this.rotationFunctions.set(lambdaArn, invoke);
  }

  /** Runs before every operation; throwing makes the operation fail with that error (fault injection). */
  onOperation(hook: (operation: string, input: Input) => void | Promise<void>): () => void {
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** Waits until every rotation started so far has finished or failed. */
  async settled(): Promise<void> {
    await Promise.all(this.rotations.map((r) => r.done));
  }

  /** Labels per version id of a secret (test inspection, not an AWS call). */
  stages(secretId: string): Record<string, string[]> {
    const secret = this.find(secretId);
    return Object.fromEntries([...secret.versions.values()].map((v) => [v.id, [...v.stages].sort()]));
  }

  /** The value of the version carrying a label (test inspection, not an AWS call). */
  valueAt(secretId: string, stage: string): string | undefined {
    return [...this.find(secretId).versions.values()].find((v) => v.stages.has(stage))?.secretString;
  }

  /** Dispatches one operation, as the HTTP adapter does (also used by aws-sdk-client-mock routing). */
  async call(operation: string, input: Input): Promise<Output> {
    this.calls.push({ operation, input });
    for (const hook of this.hooks) await hook(operation, input);
    switch (operation) {
      case 'CreateSecret': return this.createSecret(input);
      case 'DescribeSecret': return this.describeSecret(input);
      case 'GetSecretValue': return this.getSecretValue(input);
      case 'PutSecretValue': return this.putSecretValue(input);
      case 'UpdateSecretVersionStage': return this.updateSecretVersionStage(input);
      case 'ListSecretVersionIds': return this.listSecretVersionIds(input);
      case 'RotateSecret': return this.rotateSecret(input);
      case 'CancelRotateSecret': return this.cancelRotateSecret(input);
      case 'GetRandomPassword': return this.getRandomPassword(input);
      default:
        throw new FakeAwsError('UnknownOperationException', `The fake does not implement ${operation}`);
    }
  }

  // ---- HTTP (awsJson1_1) ----

  private async handleHttp(request: HttpRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : target;
    const raw = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body ?? '{}');
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() };
    try {
      const input = JSON.parse(raw || '{}') as Input;
      const output = await this.call(operation, input);
      return { response: { statusCode: 200, headers, body: Buffer.from(JSON.stringify(output, jsonDates)) } };
    } catch (error) {
      const err = error instanceof FakeAwsError ? error : new FakeAwsError('InternalServiceError', (error as Error).message);
      const body = JSON.stringify({ __type: err.type, message: err.message });
      return { response: { statusCode: err.type === 'InternalServiceError' ? 500 : 400, headers: { ...headers, 'x-amzn-errortype': err.type }, body: Buffer.from(body) } };
    }
  }

  // ---- operations ----

  private createSecret(input: Input): Output {
    const name = requiredString(input, 'Name');
    if ([...this.secrets.values()].some((s) => s.name === name)) {
      throw new FakeAwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    }
    const suffix = randomBytes(4).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
    const created = new Date(this.now());
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${suffix}`,
      name,
      description: input.Description as string | undefined,
      kmsKeyId: input.KmsKeyId as string | undefined,
      created,
      lastChanged: created,
      rotationEnabled: false,
      tags: (input.Tags as { Key: string; Value: string }[] | undefined) ?? [],
      versions: new Map(),
    };
    this.secrets.set(secret.arn, secret);
    const out: Output = { ARN: secret.arn, Name: name };
    if (input.SecretString !== undefined) {
      const id = (input.ClientRequestToken as string | undefined) ?? randomUUID();
      secret.versions.set(id, { id, secretString: String(input.SecretString), stages: new Set([LABEL_CURRENT]), created });
      out.VersionId = id;
    }
    return out;
  }

  private describeSecret(input: Input): Output {
    const secret = this.find(requiredString(input, 'SecretId'));
    const out: Output = {
      ARN: secret.arn,
      Name: secret.name,
      CreatedDate: secret.created,
      LastChangedDate: secret.lastChanged,
      RotationEnabled: secret.rotationEnabled,
      VersionIdsToStages: Object.fromEntries(
        [...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]]),
      ),
    };
    if (secret.description !== undefined) out.Description = secret.description;
    if (secret.kmsKeyId !== undefined) out.KmsKeyId = secret.kmsKeyId;
    if (secret.lastAccessed) out.LastAccessedDate = secret.lastAccessed;
    if (secret.lastRotated) out.LastRotatedDate = secret.lastRotated;
    if (secret.rotationLambdaArn) out.RotationLambdaARN = secret.rotationLambdaArn;
    if (secret.scheduleExpression || secret.automaticallyAfterDays) {
      out.RotationRules = {
        ...(secret.scheduleExpression ? { ScheduleExpression: secret.scheduleExpression } : {}),
        ...(secret.automaticallyAfterDays ? { AutomaticallyAfterDays: secret.automaticallyAfterDays } : {}),
      };
    }
    if (secret.rotationEnabled) {
      const next = this.nextRotation(secret);
      if (next) out.NextRotationDate = next;
    }
    if (secret.tags.length > 0) out.Tags = secret.tags;
    return out;
  }

  private getSecretValue(input: Input): Output {
    const secret = this.find(requiredString(input, 'SecretId'));
    const versionId = input.VersionId as string | undefined;
    const stage = input.VersionStage as string | undefined;
    let version: Version | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (!version || version.secretString === undefined) {
        throw new FakeAwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      }
      if (stage !== undefined && !version.stages.has(stage)) {
        throw new FakeAwsError(
          'InvalidRequestException',
          'You provided a VersionStage that is not associated to the provided VersionId.',
        );
      }
    } else {
      const label = stage ?? LABEL_CURRENT;
      version = [...secret.versions.values()].find((v) => v.stages.has(label));
      if (!version || version.secretString === undefined) {
        throw new FakeAwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${label}`);
      }
    }
    const at = new Date(this.now());
    version.lastAccessed = at;
    secret.lastAccessed = at;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.secretString,
      VersionStages: [...version.stages],
      CreatedDate: version.created,
    };
  }

  private putSecretValue(input: Input): Output {
    const secret = this.find(requiredString(input, 'SecretId'));
    const token = (input.ClientRequestToken as string | undefined) ?? randomUUID();
    validateToken(token);
    if (input.SecretString === undefined) {
      throw new FakeAwsError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
    }
    const value = String(input.SecretString);
    const stages = (input.VersionStages as string[] | undefined) ?? [LABEL_CURRENT];
    const existing = secret.versions.get(token);
    if (existing && existing.secretString !== undefined) {
      // Idempotent replay: the same token with the same value is a no-op.
      if (existing.secretString !== value) {
        throw new FakeAwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
    }
    if (stages.includes(LABEL_CURRENT)) {
      const current = this.holder(secret, LABEL_CURRENT);
      if (current && current.id !== token) {
        current.stages.delete(LABEL_CURRENT);
        this.moveLabel(secret, LABEL_PREVIOUS, current);
      }
    }
    const version = existing ?? { id: token, stages: new Set<string>(), created: new Date(this.now()) };
    version.secretString = value;
    for (const stage of stages) this.moveLabel(secret, stage, version);
    secret.versions.set(token, version);
    secret.lastChanged = new Date(this.now());
    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...version.stages] };
  }

  private updateSecretVersionStage(input: Input): Output {
    const secret = this.find(requiredString(input, 'SecretId'));
    const stage = requiredString(input, 'VersionStage');
    const moveTo = input.MoveToVersionId as string | undefined;
    const removeFrom = input.RemoveFromVersionId as string | undefined;
    const holder = this.holder(secret, stage);
    if (moveTo !== undefined && !secret.versions.has(moveTo)) {
      throw new FakeAwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${moveTo}`);
    }
    if (removeFrom !== undefined) {
      if (!secret.versions.has(removeFrom)) {
        throw new FakeAwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${removeFrom}`);
      }
      if (holder?.id !== removeFrom) {
        throw new FakeAwsError(
          'InvalidParameterException',
          `The staging label ${stage} is not attached to the version ${removeFrom}, so you can't remove it.`,
        );
      }
    }
    if (holder && moveTo !== undefined && holder.id !== moveTo && removeFrom === undefined) {
      throw new FakeAwsError(
        'InvalidParameterException',
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    if (moveTo === undefined && stage === LABEL_CURRENT) {
      throw new FakeAwsError('InvalidParameterException', `You can't remove the staging label ${LABEL_CURRENT} from a version unless you attach it to another version.`);
    }
    if (moveTo === undefined) {
      holder?.stages.delete(stage);
    } else if (holder?.id !== moveTo) {
      const target = secret.versions.get(moveTo)!;
      holder?.stages.delete(stage);
      target.stages.add(stage);
      // Moving AWSCURRENT makes the version it left AWSPREVIOUS (AWS does this automatically).
      if (stage === LABEL_CURRENT && holder) this.moveLabel(secret, LABEL_PREVIOUS, holder);
    }
    secret.lastChanged = new Date(this.now());
    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecretVersionIds(input: Input): Output {
    const secret = this.find(requiredString(input, 'SecretId'));
    const includeDeprecated = input.IncludeDeprecated === true;
    const versions = [...secret.versions.values()]
      .filter((v) => includeDeprecated || v.stages.size > 0)
      .map((v) => ({
        VersionId: v.id,
        VersionStages: [...v.stages],
        CreatedDate: v.created,
        ...(v.lastAccessed ? { LastAccessedDate: v.lastAccessed } : {}),
      }));
    return { ARN: secret.arn, Name: secret.name, Versions: versions };
  }

  private rotateSecret(input: Input): Output {
    const secret = this.find(requiredString(input, 'SecretId'));
    const lambdaArn = (input.RotationLambdaARN as string | undefined) ?? secret.rotationLambdaArn;
    const rules = input.RotationRules as { ScheduleExpression?: string; AutomaticallyAfterDays?: number } | undefined;
    if (!lambdaArn) {
      throw new FakeAwsError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.');
    }
    const pending = this.holder(secret, LABEL_PENDING);
    if (pending && !pending.stages.has(LABEL_CURRENT)) {
      // AWS answers with this error and reattempts the unfinished rotation with its own token.
      this.startRotation(secret, pending.id, lambdaArn);
      throw new FakeAwsError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    secret.rotationLambdaArn = lambdaArn;
    secret.rotationEnabled = true;
    if (rules?.ScheduleExpression) secret.scheduleExpression = rules.ScheduleExpression;
    if (rules?.AutomaticallyAfterDays) secret.automaticallyAfterDays = rules.AutomaticallyAfterDays;
    const token = (input.ClientRequestToken as string | undefined) ?? randomUUID();
    validateToken(token);
    if (input.RotateImmediately === false) return { ARN: secret.arn, Name: secret.name };
    // Secrets Manager creates the version (no value yet) with AWSPENDING before invoking createSecret.
    const version: Version = secret.versions.get(token) ?? { id: token, stages: new Set(), created: new Date(this.now()) };
    secret.versions.set(token, version);
    this.moveLabel(secret, LABEL_PENDING, version);
    this.startRotation(secret, token, lambdaArn);
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  private cancelRotateSecret(input: Input): Output {
    const secret = this.find(requiredString(input, 'SecretId'));
    secret.rotationEnabled = false;
    const pending = this.holder(secret, LABEL_PENDING);
    return { ARN: secret.arn, Name: secret.name, ...(pending ? { VersionId: pending.id } : {}) };
  }

  private getRandomPassword(input: Input): Output {
    const length = (input.PasswordLength as number | undefined) ?? 32;
    if (!Number.isInteger(length) || length < 1 || length > 4096) {
      throw new FakeAwsError('InvalidParameterException', `PasswordLength must be between 1 and 4096, got ${length}.`);
    }
    const exclude = new Set(String(input.ExcludeCharacters ?? ''));
    const classes = [
      input.ExcludeLowercase ? '' : 'abcdefghijklmnopqrstuvwxyz',
      input.ExcludeUppercase ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      input.ExcludeNumbers ? '' : '0123456789',
      input.ExcludePunctuation ? '' : '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
      input.IncludeSpace ? ' ' : '',
    ]
      .map((chars) => [...chars].filter((c) => !exclude.has(c)).join(''))
      .filter((chars) => chars.length > 0);
    const alphabet = classes.join('');
    if (!alphabet) throw new FakeAwsError('InvalidParameterException', 'The password has no characters to choose from.');
    const chars = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]);
    if (input.RequireEachIncludedType !== false) {
      classes.forEach((set, i) => {
        if (i < length) chars[i] = set[randomInt(set.length)];
      });
      for (let i = chars.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
      }
    }
    return { RandomPassword: chars.join('') };
  }

  // ---- rotation driver ----

  private startRotation(secret: Secret, token: string, lambdaArn: string): void {
    const invoke = this.rotationFunctions.get(lambdaArn);
    const record: RotationRecord = { secretArn: secret.arn, token, completed: [], done: Promise.resolve() };
    record.done = (async () => {
      // Asynchronous like AWS: RotateSecret has answered before the first step runs.
      await new Promise((resolve) => setImmediate(resolve));
      for (const step of ROTATION_STEPS) {
        try {
          if (!invoke) throw new Error(`no rotation function registered for ${lambdaArn}`);
          await invoke({ Step: step, SecretId: secret.arn, ClientRequestToken: token });
          record.completed.push(step);
        } catch (error) {
          record.failed = { step, error };
          return;
        }
      }
      if (secret.versions.get(token)?.stages.has(LABEL_CURRENT)) secret.lastRotated = new Date(this.now());
    })();
    this.rotations.push(record);
  }

  private nextRotation(secret: Secret): Date | undefined {
    const from = secret.lastRotated ?? secret.created;
    if (secret.automaticallyAfterDays) return new Date(from.getTime() + secret.automaticallyAfterDays * 86_400_000);
    if (secret.scheduleExpression) return nextScheduleTime(secret.scheduleExpression, new Date(Math.max(from.getTime(), this.now())));
    return undefined;
  }

  // ---- helpers ----

  private find(secretId: string): Secret {
    const byArn = this.secrets.get(secretId);
    if (byArn) return byArn;
    for (const secret of this.secrets.values()) {
      if (secret.name === secretId) return secret;
    }
    throw new FakeAwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }

  private holder(secret: Secret, stage: string): Version | undefined {
    return [...secret.versions.values()].find((v) => v.stages.has(stage));
  }

  /** Attaches a label to a version, detaching it from whichever version had it (labels are unique). */
  private moveLabel(secret: Secret, stage: string, to: Version): void {
    for (const v of secret.versions.values()) {
      if (v !== to) v.stages.delete(stage);
    }
    to.stages.add(stage);
  }
}

function requiredString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new FakeAwsError('InvalidParameterException', `You must provide a value for ${field}.`);
  }
  return value;
}

function validateToken(token: string): void {
  if (token.length < 32 || token.length > 64) {
    throw new FakeAwsError('InvalidParameterException', `ClientRequestToken must be between 32 and 64 characters, got ${token.length}.`);
  }
}

/** awsJson1_1 sends timestamps as epoch seconds. */
function jsonDates(this: unknown, _key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[_key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/**
 * Next UTC time matching a Secrets Manager schedule: `rate(N days|hours)` or a six-field
 * `cron(minute hour day-of-month month day-of-week year)` with numbers, lists, `*` and `?`
 * (enough for the schedules this project uses, not a full cron).
 */
export function nextScheduleTime(expression: string, from: Date): Date | undefined {
  const rate = /^rate\((\d+) (day|days|hour|hours)\)$/.exec(expression);
  if (rate) return new Date(from.getTime() + Number(rate[1]) * (rate[2].startsWith('day') ? 86_400_000 : 3_600_000));
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) return undefined;
  const [minute, hour, dom, month] = cron[1].split(/\s+/);
  const match = (field: string, value: number, names?: string[]): boolean =>
    field === '*' || field === '?' || field.split(',').some((part) => (names && names.indexOf(part.toUpperCase()) + 1 === value) || Number(part) === value);
  const t = new Date(from.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  for (let i = 0; i < 366 * 24 * 60 * 2; i++) {
    if (
      match(month, t.getUTCMonth() + 1, MONTHS) && match(dom, t.getUTCDate()) &&
      match(hour, t.getUTCHours()) && match(minute, t.getUTCMinutes())
    ) {
      return t;
    }
    // Skip whole days and hours that cannot match, so a quarterly schedule is found quickly.
    if (!match(month, t.getUTCMonth() + 1, MONTHS) || !match(dom, t.getUTCDate())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0);
    } else if (!match(hour, t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0);
    } else {
      t.setUTCMinutes(t.getUTCMinutes() + 1);
    }
  }
  return undefined;
}
