import { KmsKey } from '@cdktn/provider-aws/lib/kms-key';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecret } from '@cdktn/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretRotation } from '@cdktn/provider-aws/lib/secretsmanager-secret-rotation';
import { SecretsmanagerSecretVersion } from '@cdktn/provider-aws/lib/secretsmanager-secret-version';
import { Testing } from 'cdktn';
import { BundledFunction } from '../../constructs/lambda/bundled-function';
import { EncryptedSecret, type EncryptedSecretProps } from '../../constructs/secrets/encrypted-secret';
import { awsTestStack, inlinePolicies, inventory, leastPrivilegeViolations, ref, synth } from '../support/cdk-test-kit';

const QUARTERLY = 'cron(0 8 1 JAN,APR,JUL,OCT ? *)';

function make(props: Partial<EncryptedSecretProps> = {}) {
  const { stack } = awsTestStack();
  const key = new KmsKey(stack, 'key', { enableKeyRotation: true });
  const secret = new EncryptedSecret(stack, 'creds', {
    secretName: 'clarivum/test/upstash/cache', description: 'credentials', key, region: 'eu-central-1', ...props,
  });
  return { stack, key, secret };
}

function withRotation() {
  const made = make();
  const fn = new BundledFunction(made.stack, 'rotation', { entry: 'test/constructs/fixtures/echo-handler.ts', functionName: 'clarivum-test-rotation' });
  made.secret.addRotation({ rotationFunction: fn, scheduleExpression: QUARTERLY });
  return { ...made, fn };
}

describe('EncryptedSecret', () => {
  it('creates a secret encrypted with the given key and no version', () => {
    const { stack, key } = make({ tags: { team: 'platform' } });
    const text = Testing.synth(stack, true);
    expect(inventory(synth(stack))).toEqual(['aws_kms_key x1', 'aws_secretsmanager_secret x1']);
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'clarivum/test/upstash/cache', kms_key_id: ref(key, 'arn'), recovery_window_in_days: 30, tags: { team: 'platform' },
    });
    expect(text).not.toHaveResource(SecretsmanagerSecretVersion);
  });

  it('addRotation: invoke permission for Secrets Manager on this secret, the schedule, and the rotation rights', () => {
    const { stack, secret, key, fn } = withRotation();
    const s = synth(stack);
    expect(inventory(s)).toEqual([
      'aws_cloudwatch_log_group x1',
      'aws_iam_role x1',
      'aws_iam_role_policy x3', // logs, X-Ray, rotate-creds
      'aws_kms_key x1',
      'aws_lambda_function x1',
      'aws_lambda_permission x1', // secretsmanager.amazonaws.com may invoke, for this secret only
      'aws_secretsmanager_secret x1',
      'aws_secretsmanager_secret_rotation x1',
    ]);
    expect(s.text).toHaveResourceWithProperties(LambdaPermission, {
      principal: 'secretsmanager.amazonaws.com', action: 'lambda:InvokeFunction', source_arn: ref(secret.secret, 'arn'),
    });
    expect(s.text).toHaveResourceWithProperties(SecretsmanagerSecretRotation, {
      secret_id: ref(secret.secret, 'id'),
      rotation_lambda_arn: ref(fn.function, 'arn'),
      rotation_rules: { schedule_expression: QUARTERLY },
    });
    const rotate = inlinePolicies(s).find((p) => p.name === 'rotate-creds')!;
    expect(rotate.statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        Resource: ref(secret.secret, 'arn'),
      },
      // No GetRandomPassword on `*`: Upstash issues the tokens, the rotation never asks AWS for one.
      {
        Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: ref(key, 'arn'),
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' } },
      },
    ]);
    expect(leastPrivilegeViolations(inlinePolicies(s))).toEqual([]);
    expect(secret.rotationResource).toBeDefined();
  });

  it('seedPlaceholder writes a credential-free version whose value Terraform then ignores', () => {
    const { stack, secret } = make();
    secret.seedPlaceholder('{"seeded":false}');
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(SecretsmanagerSecretVersion, {
      secret_id: ref(secret.secret, 'id'), secret_string: '{"seeded":false}', lifecycle: { ignore_changes: ['secret_string'] },
    });
  });

  it.each<[string, Partial<EncryptedSecretProps>, RegExp]>([
    ['secret name', { secretName: 'bad name' }, /secretName "bad name" must be 1 to 512 characters/],
    ['recovery window', { recoveryWindowInDays: 3 }, /recoveryWindowInDays must be 0 or 7 to 30, got 3/],
  ])('rejects a bad %s', (_what, props, message) => {
    expect(() => make(props)).toThrow(message);
  });

  it('rejects a placeholder that is not a JSON object or that carries a credential', () => {
    const { secret } = make();
    expect(() => secret.seedPlaceholder('plain')).toThrow(/placeholder of test\/creds must be a JSON object, got plain/);
    expect(() => secret.seedPlaceholder('{"token":"AXxx"}')).toThrow(/placeholder field "token" of test\/creds looks like a credential/);
  });

  it('rejects a second rotation and a rotation schedule Secrets Manager does not accept', () => {
    const { stack, secret, fn } = withRotation();
    expect(() => secret.addRotation({ rotationFunction: fn, scheduleExpression: QUARTERLY })).toThrow(/secret test\/creds already has a rotation/);
    const other = new EncryptedSecret(stack, 'other', { secretName: 'o', description: 'o', key: secret.key, region: 'eu-central-1' });
    expect(() => other.addRotation({ rotationFunction: fn, scheduleExpression: 'rate(5 minutes)' }))
      .toThrow(/rotation scheduleExpression "rate\(5 minutes\)" must be cron\(...\) or rate\(N hours\|days\)/);
  });
});
