import { KmsKey } from '@cdktn/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecret } from '@cdktn/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretRotation } from '@cdktn/provider-aws/lib/secretsmanager-secret-rotation';
import { environment } from '../../config';
import { ROTATION_TAGS, UNSEEDED_SECRET_STRING, secretNames } from '../../contracts/secrets';
import { inlinePolicies, inventory, ref, resources } from '../support/cdk-test-kit';
import { synthesizeApp } from './synthesized-app';

const app = synthesizeApp();
const s = app.stack('prod-secrets');
const stack = app.stacks.prod.secrets;
const names = secretNames('prod');

describe('<env>-secrets', () => {
  it('creates the key, six secrets, two placeholders and rotations, and the rotation function', () => {
    expect(inventory(s)).toEqual([
      'aws_cloudwatch_log_group x1', // rotation function logs
      'aws_iam_role x1', // rotation function role
      'aws_iam_role_policy x6', // logs, X-Ray, read developer API key, rotate cache, rotate guardrails, read guardrails (metrics)
      'aws_kms_alias x1',
      'aws_kms_key x1', // one customer managed key for the environment's secrets
      'aws_lambda_function x1', // the rotation function
      'aws_lambda_permission x2', // Secrets Manager may invoke it for each rotated secret
      'aws_secretsmanager_secret x6', // cache, guardrails, developer API key, admin, read and metrics tokens
      'aws_secretsmanager_secret_rotation x2', // the two database secrets
      'aws_secretsmanager_secret_version x2', // credential-free placeholders of the database secrets
    ]);
  });

  it('encrypts every secret with the rotating customer managed key', () => {
    expect(s.text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    for (const secret of Object.values(resources(s, 'aws_secretsmanager_secret'))) {
      expect(secret.kms_key_id).toBe(ref(stack.key, 'arn'));
    }
    expect(Object.values(resources(s, 'aws_secretsmanager_secret')).map((x) => x.name).sort())
      .toEqual([names.adminToken, names.readToken, names.metricsToken, names.cache, names.guardrails, names.developerApi].sort());
  });

  it('keeps deleted secrets recoverable for 30 days in prod and 7 elsewhere', () => {
    const windows = (id: string) => Object.values(resources(app.stack(id), 'aws_secretsmanager_secret')).map((x) => x.recovery_window_in_days);
    expect(windows('prod-secrets')).toEqual([30, 30, 30, 30, 30, 30]);
    expect(windows('staging-secrets')).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('tags each database secret with its database (a cross-stack reference), role and rotation strategy', () => {
    const env = environment('prod');
    expect(s.text).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: names.cache,
      tags: {
        [ROTATION_TAGS.database]: 'cache',
        [ROTATION_TAGS.strategy]: env.upstash.cache.rotationStrategy,
        [ROTATION_TAGS.databaseId]: expect.stringMatching(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-prod-data\.outputs\.[\w-]+\}$/),
      },
    });
    const dataState = (s.json.data as Record<string, Record<string, { backend: string; config: Record<string, unknown> }>>)
      .terraform_remote_state['cross-stack-reference-input-prod-data'];
    expect(dataState.backend).toBe('s3');
    expect(dataState.config.key).toBe('prod-data/cache-platform/terraform.tfstate');
  });

  it('never puts a credential in a Terraform-managed version: placeholders only, value changes ignored', () => {
    const versions = Object.values(resources(s, 'aws_secretsmanager_secret_version'));
    expect(versions).toHaveLength(2);
    for (const v of versions) {
      expect(v.secret_string).toBe(UNSEEDED_SECRET_STRING);
      expect(v.lifecycle).toEqual({ ignore_changes: ['secret_string'] });
    }
    const versioned = versions.map((v) => v.secret_id).sort();
    expect(versioned).toEqual([ref(stack.cacheCredentials.secret, 'id'), ref(stack.guardrailsCredentials.secret, 'id')].sort());
    expect(s.text).not.toMatch(/rest_token|read_only_rest_token|password/);
  });

  it('rotates the two database secrets quarterly with the rotation function', () => {
    for (const secret of [stack.cacheCredentials, stack.guardrailsCredentials]) {
      expect(s.text).toHaveResourceWithProperties(SecretsmanagerSecretRotation, {
        secret_id: ref(secret.secret, 'id'),
        rotation_lambda_arn: ref(stack.rotationFunction.function, 'arn'),
        rotation_rules: { schedule_expression: 'cron(0 8 1 JAN,APR,JUL,OCT ? *)' },
      });
      expect(s.text).toHaveResourceWithProperties(LambdaPermission, {
        principal: 'secretsmanager.amazonaws.com', source_arn: ref(secret.secret, 'arn'),
      });
    }
  });

  it('runs the rotation function on Node 22 arm64 with the Developer API key and guardrails secret ids', () => {
    expect(s.text).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'clarivum-prod-rotation',
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      environment: { variables: {
        DEVELOPER_API_SECRET_ID: ref(stack.developerApiKey.secret, 'arn'),
        // Rotation outcomes are recorded in the guardrails database's metrics.
        UPSTASH_GUARDRAILS_SECRET_ID: ref(stack.guardrailsCredentials.secret, 'arn'),
      } },
    });
  });

  it('gives the rotation function the rotation rights on the rotated secrets and read-only access to the API key', () => {
    const policies = inlinePolicies(s);
    expect(policies.map((p) => p.name).sort()).toEqual([
      'logs', 'read-developer-api-key', 'read-guardrails-credentials', 'rotate-cache-credentials', 'rotate-guardrails-credentials', 'xray',
    ]);
    const read = policies.find((p) => p.name === 'read-developer-api-key')!;
    expect(read.statements[0]).toEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: ref(stack.developerApiKey.secret, 'arn'),
    });
    const writers = policies.filter((p) => p.statements.some((st) => [st.Action].flat().includes('secretsmanager:PutSecretValue')));
    const written = writers.map((p) => p.statements[0].Resource).sort();
    expect(written).toEqual([stack.cacheCredentials, stack.guardrailsCredentials].map((x) => ref(x.secret, 'arn')).sort());
  });
});
