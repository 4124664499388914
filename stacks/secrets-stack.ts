import { KmsAlias } from '@cdktn/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktn/provider-aws/lib/kms-key';
import type { Construct } from 'constructs';
import { deploymentOf, type CacheShardConfig } from '../config';
import { BundledFunction } from '../constructs/lambda/bundled-function';
import { EncryptedSecret } from '../constructs/secrets/encrypted-secret';
import { platformKeyPolicy } from '../constructs/secrets/key-policy';
import type { UpstashDatabase } from '../constructs/upstash/upstash-database';
import type { DatabaseRole } from '../contracts/database-roles';
import { physicalNames } from '../contracts/naming';
import { ROTATION_TAGS, SECRET_ID_ENV, UNSEEDED_SECRET_STRING, cacheShardNames, secretNames } from '../contracts/secrets';
import type { DataStack } from './data-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface SecretsStackProps extends PlatformStackProps {
  /** The environment's data stack: the database secrets point at its databases. */
  readonly data: DataStack;
}

/**
 * `<env>-secrets`: one KMS key (yearly rotation) for every secret of the environment, a secret per
 * Upstash database holding its REST credentials, the Upstash Developer API key the rotation uses,
 * the admin token, and the rotation Lambda with the quarterly schedule from config.
 *
 * No credential ever passes through Terraform. Each database secret gets a placeholder version
 * `{"seeded":false}` whose later changes Terraform ignores (`lifecycle.ignore_changes`), and the
 * first rotation, which Secrets Manager starts as soon as the rotation is configured, writes the
 * credentials. The rotation function finds the database behind a secret in the secret's tags.
 * The Developer API key and admin token secrets get no Terraform version at all: the operator
 * puts their values. First deploy of an environment:
 *   1. `cdktn deploy '<env>-data' '<env>-secrets'` (the first rotations fail: no API key yet);
 *   2. `aws secretsmanager put-secret-value --secret-id clarivum/<env>/upstash-developer-api
 *      --secret-string '{"email":"…","apiKey":"…"}'`, and the three API tokens with
 *      `npm run token -- --env <env> --kind admin|read|metrics` (generated, at least 32 characters);
 *   3. `npm run rotate -- --env <env> --database cache` (and `guardrails`) seeds the credentials;
 *   4. `cdktn deploy '<env>-*'`.
 */
export class SecretsStack extends PlatformStack {
  readonly key: KmsKey;
  readonly cacheCredentials: EncryptedSecret;
  readonly guardrailsCredentials: EncryptedSecret;
  /** Credentials of the further cache databases, by shard id (rotated like the others). */
  readonly cacheShardCredentials: ReadonlyMap<string, EncryptedSecret>;
  readonly developerApiKey: EncryptedSecret;
  readonly adminToken: EncryptedSecret;
  readonly readToken: EncryptedSecret;
  readonly metricsToken: EncryptedSecret;
  readonly rotationFunction: BundledFunction;

  constructor(scope: Construct, id: string, props: SecretsStackProps) {
    super(scope, id, props);
    const { env, data } = props;
    const deployment = deploymentOf(env);
    const physical = physicalNames(deployment.namePrefix, env.name);
    const names = secretNames(env.name);
    const region = env.aws.region;
    // A deleted secret's name stays taken for the recovery window: short outside prod.
    const recoveryWindowInDays = env.name === 'prod' ? 30 : 7;

    this.key = new KmsKey(this, 'key', {
      description: `Encrypts the cache platform secrets and log groups of ${env.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: platformKeyPolicy(env.aws.accountId, region),
    });
    new KmsAlias(this, 'key-alias', { name: `alias/${physical.prefix}-secrets`, targetKeyId: this.key.keyId });

    const databaseSecret = (role: DatabaseRole, database: UpstashDatabase, shard?: CacheShardConfig): EncryptedSecret =>
      new EncryptedSecret(this, shard ? `cache-${shard.id}-credentials` : `${role}-credentials`, {
        secretName: shard ? cacheShardNames(env.name, shard.id).secret : names[role],
        description: `REST URL and tokens of the Upstash ${shard ? `cache database ${shard.name}` : `${role} database`} (written by rotation)`,
        key: this.key,
        region,
        recoveryWindowInDays,
        tags: {
          [ROTATION_TAGS.database]: role,
          [ROTATION_TAGS.databaseId]: database.databaseId,
          [ROTATION_TAGS.strategy]: (shard ?? env.upstash[role]).rotationStrategy,
        },
      });
    this.cacheCredentials = databaseSecret('cache', data.cache);
    this.guardrailsCredentials = databaseSecret('guardrails', data.guardrails);
    this.cacheShardCredentials = new Map((env.upstash.cacheShards ?? []).map((shard) =>
      [shard.id, databaseSecret('cache', data.cacheShards.get(shard.id) as UpstashDatabase, shard)]));
    this.developerApiKey = new EncryptedSecret(this, 'developer-api-key', {
      secretName: names.developerApi,
      description: 'Upstash Developer API email and key the rotation uses (put by the operator)',
      key: this.key,
      region,
      recoveryWindowInDays,
    });
    // One secret per kind of caller, each granted only to the function that checks it.
    const tokenSecret = (id: string, secretName: string, what: string): EncryptedSecret => new EncryptedSecret(this, id, {
      secretName,
      description: `Bearer token(s) of ${what}, at least 32 characters (put by the operator)`,
      key: this.key,
      region,
      recoveryWindowInDays,
    });
    this.adminToken = tokenSecret('admin-token', names.adminToken, 'the admin API');
    this.readToken = tokenSecret('read-token', names.readToken, 'reads when READ_REQUIRES_AUTH');
    this.metricsToken = tokenSecret('metrics-token', names.metricsToken, '/metrics and /debug/cache');

    const settings = deployment.lambdas.rotation;
    this.rotationFunction = new BundledFunction(this, 'rotation', {
      entry: 'lambdas/rotation/handler.ts',
      functionName: physical.functionName('rotation'),
      description: 'Rotates the Upstash REST credentials (Secrets Manager rotation steps)',
      memoryMb: settings.memoryMb,
      timeoutSeconds: settings.timeoutSeconds,
      logRetentionDays: env.logRetentionDays,
      logEncryptionKey: this.key,
    });
    this.developerApiKey.grantRead(this.rotationFunction);
    this.rotationFunction.addEnvironment(SECRET_ID_ENV.developerApi, this.developerApiKey.secretArn);
    // Rotation outcomes go to the guardrails database's metrics (CacheRotationOverdue reads them).
    this.guardrailsCredentials.grantRead(this.rotationFunction);
    this.rotationFunction.addEnvironment(SECRET_ID_ENV.guardrails, this.guardrailsCredentials.secretArn);

    for (const s of [this.cacheCredentials, this.guardrailsCredentials, ...this.cacheShardCredentials.values()]) {
      s.seedPlaceholder(UNSEEDED_SECRET_STRING);
      s.addRotation({ rotationFunction: this.rotationFunction, scheduleExpression: env.schedules.rotation });
    }
  }
}
