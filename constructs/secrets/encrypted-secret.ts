import type { KmsKey } from '@cdktn/provider-aws/lib/kms-key';
import { SecretsmanagerSecret } from '@cdktn/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretRotation } from '@cdktn/provider-aws/lib/secretsmanager-secret-rotation';
import { SecretsmanagerSecretVersion } from '@cdktn/provider-aws/lib/secretsmanager-secret-version';
import { Token } from 'cdktn';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../iam/policy';
import type { IGrantable } from '../iam/grantable';
import type { BundledFunction } from '../lambda/bundled-function';

export interface EncryptedSecretProps {
  /** Secret name, e.g. `clarivum/prod/upstash/cache` (`[A-Za-z0-9/_+=.@-]`, at most 512 characters). */
  readonly secretName: string;
  readonly description: string;
  /** Customer managed key that encrypts the secret; grants add `kms:*` only via Secrets Manager. */
  readonly key: KmsKey;
  /** AWS region of the secret: the `kms:ViaService` condition names Secrets Manager there. */
  readonly region: string;
  /** Days a deleted secret can be restored (0 deletes at once, else 7 to 30). @default 30 */
  readonly recoveryWindowInDays?: number;
  /** Tags, e.g. what the rotation function reads with `DescribeSecret`. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SecretRotationOptions {
  /** Rotation Lambda; it gets the invoke permission and the rotation IAM rights on this secret. */
  readonly rotationFunction: BundledFunction;
  /** Secrets Manager `schedule_expression`, e.g. `cron(0 8 1 JAN,APR,JUL,OCT ? *)`. */
  readonly scheduleExpression: string;
  /** Rotation window, e.g. `3h`. @default - Secrets Manager's default (the whole day) */
  readonly duration?: string;
}

/**
 * A Secrets Manager secret encrypted with a customer managed KMS key. IAM stays inside: `grantRead`
 * and `addRotation` write least-privilege statements naming this secret and this key only.
 * Terraform never holds the secret's value: a version is either written by rotation, or a
 * placeholder without credentials whose later changes Terraform ignores (`seedPlaceholder`).
 */
export class EncryptedSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly key: KmsKey;
  private readonly region: string;
  private rotation?: SecretsmanagerSecretRotation;

  constructor(scope: Construct, id: string, props: EncryptedSecretProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.secretName) && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(props.secretName)) {
      throw new Error(`EncryptedSecret secretName "${props.secretName}" must be 1 to 512 characters of [A-Za-z0-9/_+=.@-]`);
    }
    const recovery = props.recoveryWindowInDays ?? 30;
    if (recovery !== 0 && !(Number.isInteger(recovery) && recovery >= 7 && recovery <= 30)) {
      throw new Error(`EncryptedSecret recoveryWindowInDays must be 0 or 7 to 30, got ${recovery}`);
    }
    this.key = props.key;
    this.region = props.region;
    this.secret = new SecretsmanagerSecret(this, 'secret', {
      name: props.secretName,
      description: props.description,
      kmsKeyId: props.key.arn,
      recoveryWindowInDays: recovery,
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }

  get secretArn(): string {
    return this.secret.arn;
  }

  get secretName(): string {
    return this.secret.name;
  }

  /** The rotation resource, once `addRotation` was called. */
  get rotationResource(): SecretsmanagerSecretRotation | undefined {
    return this.rotation;
  }

  private viaSecretsManager(actions: string[]): PolicyStatement {
    return {
      actions,
      resources: [this.key.arn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
    };
  }

  /** Lets `grantee` read the current value: `GetSecretValue`/`DescribeSecret` and `kms:Decrypt` via Secrets Manager. */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addPolicy(`read-${this.node.id}`, [
      { actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resources: [this.secretArn] },
      this.viaSecretsManager(['kms:Decrypt']),
    ]);
  }

  /**
   * The rights a rotation function needs on this secret (the Secrets Manager rotation contract):
   * read, write a pending version, move stages; the key only via the service. No
   * `GetRandomPassword` on `*` (the AWS template's): Upstash issues the tokens, never AWS.
   */
  grantRotation(grantee: IGrantable): void {
    grantee.grantPrincipal.addPolicy(`rotate-${this.node.id}`, [
      {
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [this.secretArn],
      },
      this.viaSecretsManager(['kms:Decrypt', 'kms:GenerateDataKey']),
    ]);
  }

  /**
   * Rotates the secret on a schedule with `rotationFunction`: invoke permission for
   * `secretsmanager.amazonaws.com` scoped to this secret, the rotation IAM rights, and the rotation.
   * Secrets Manager rotates once right away, which seeds the credentials.
   */
  addRotation(options: SecretRotationOptions): SecretsmanagerSecretRotation {
    if (this.rotation) throw new Error(`secret ${this.node.path} already has a rotation`);
    const expr = options.scheduleExpression;
    if (!Token.isUnresolved(expr) && !/^(cron\(.+\)|rate\(\d+ (hour|hours|day|days)\))$/.test(expr)) {
      throw new Error(`rotation scheduleExpression "${expr}" must be cron(...) or rate(N hours|days)`);
    }
    const fn = options.rotationFunction;
    const permission = fn.allowInvokeFrom(`rotate-${this.node.id}`, 'secretsmanager.amazonaws.com', this.secretArn);
    this.grantRotation(fn);
    this.rotation = new SecretsmanagerSecretRotation(this, 'rotation', {
      secretId: this.secret.id,
      rotationLambdaArn: fn.functionArn,
      rotationRules: { scheduleExpression: expr, ...(options.duration ? { duration: options.duration } : {}) },
      dependsOn: [permission],
    });
    return this.rotation;
  }

  /**
   * Writes a first version without credentials, so the secret exists in a known "unseeded" shape
   * before the first rotation. Terraform ignores later changes of the value
   * (`lifecycle.ignore_changes`), so the tokens rotation writes never enter Terraform state.
   * Throws when the value is not a JSON object or carries a field that looks like a credential.
   */
  seedPlaceholder(secretString: string): SecretsmanagerSecretVersion {
    let parsed: unknown;
    try { parsed = JSON.parse(secretString); } catch { parsed = undefined; }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`placeholder of ${this.node.path} must be a JSON object, got ${secretString}`);
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (/token|password|secret|key$/i.test(name) && value !== '' && value !== null) {
        throw new Error(`placeholder field "${name}" of ${this.node.path} looks like a credential; let rotation write it`);
      }
    }
    return new SecretsmanagerSecretVersion(this, 'placeholder', {
      secretId: this.secret.id,
      secretString,
      lifecycle: { ignoreChanges: ['secret_string'] },
    });
  }
}
