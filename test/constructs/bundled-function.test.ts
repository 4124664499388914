import { CloudwatchLogGroup } from '@cdktn/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktn/provider-aws/lib/iam-role';
import { KmsKey } from '@cdktn/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission';
import { Testing } from 'cdktn';
import { BundledFunction, type BundledFunctionProps } from '../../constructs/lambda/bundled-function';
import { ServiceRole } from '../../constructs/iam/service-role';
import { EncryptedSecret } from '../../constructs/secrets/encrypted-secret';
import { awsTestStack, inlinePolicies, inventory, leastPrivilegeViolations, onlyResource, ref, synth } from '../support/cdk-test-kit';

const ENTRY = 'test/constructs/fixtures/echo-handler.ts';

function make(props: Partial<BundledFunctionProps> = {}) {
  const { stack } = awsTestStack();
  const fn = new BundledFunction(stack, 'echo', { entry: ENTRY, functionName: 'clarivum-test-echo', ...props });
  return { stack, fn };
}

describe('BundledFunction', () => {
  it('creates the function, its role with a logs-only policy, and a log group', () => {
    const { stack } = make();
    expect(inventory(synth(stack))).toEqual([
      'aws_cloudwatch_log_group x1', // the function's own log group, with retention
      'aws_iam_role x1', // execution role, assumable by Lambda only
      'aws_iam_role_policy x2', // write to that log group only; X-Ray segments (active tracing)
      'aws_lambda_function x1',
    ]);
  });

  it('traces actively, and with a collector layer exports its own spans over OTLP to it', () => {
    const layer = 'arn:aws:lambda:eu-central-1:901920570463:layer:aws-otel-collector-arm64-ver-0-102-1:1';
    const plain = onlyResource(synth(make().stack), 'aws_lambda_function');
    expect([plain.tracing_config, plain.layers, plain.environment]).toEqual([{ mode: 'Active' }, undefined, { variables: {} }]);

    const { stack } = make({ tracing: { collectorLayerArn: layer } });
    const s = synth(stack);
    const lambda = onlyResource(s, 'aws_lambda_function');
    expect(lambda.tracing_config).toEqual({ mode: 'Active' });
    expect(lambda.layers).toEqual([layer]);
    expect(lambda.environment).toEqual({
      variables: { CACHE_TRACING: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318', OTEL_SERVICE_NAME: 'clarivum-test-echo' },
    });
    const xray = inlinePolicies(s).find((p) => p.name === 'xray')!;
    expect(xray.statements).toEqual([{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }]);
    expect(leastPrivilegeViolations(inlinePolicies(s))).toEqual([]);
    expect(() => make({ tracing: { collectorLayerArn: 'otel-collector' } }))
      .toThrow('BundledFunction clarivum-test-echo: tracing.collectorLayerArn "otel-collector" is not a Lambda layer version ARN');
  });

  it('synthesizes in any scope (Testing.synthScope)', () => {
    const text = Testing.synthScope((scope) => {
      new BundledFunction(scope, 'echo', { entry: ENTRY, functionName: 'clarivum-scope-echo', logRetentionDays: 14 });
    });
    expect(text).toHaveResourceWithProperties(LambdaFunction, { function_name: 'clarivum-scope-echo', runtime: 'nodejs24.x' });
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/aws/lambda/clarivum-scope-echo', retention_in_days: 14 });
    expect(Object.keys(JSON.parse(text).resource).sort()).toEqual([
      'aws_cloudwatch_log_group', 'aws_iam_role', 'aws_iam_role_policy', 'aws_lambda_function',
    ]);
  });

  it('synthesizes a Node 22 arm64 function whose code hash is the base64 sha256 of its zip', () => {
    const { stack, fn } = make({ memoryMb: 512, timeoutSeconds: 20, reservedConcurrency: 5, environment: { A: '1' } });
    const text = Testing.synth(stack, true);
    expect(text).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'clarivum-test-echo',
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      memory_size: 512,
      timeout: 20,
      reserved_concurrent_executions: 5,
      source_code_hash: fn.bundle.sha256Base64,
      environment: { variables: { A: '1' } },
      logging_config: { log_format: 'JSON', log_group: ref(fn.logGroup, 'name') },
    });
    const lambda = onlyResource(synth(stack), 'aws_lambda_function');
    expect(lambda.source_code_hash).not.toBe(fn.asset.assetHash);
    expect(lambda.filename).toBe(fn.asset.path);
    expect(fn.asset.path).toMatch(new RegExp(`^assets/echo_code_[0-9A-F]{8}/${fn.bundle.sha256Hex}/${fn.bundle.sha256Hex}\\.zip$`));
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/aws/lambda/clarivum-test-echo', retention_in_days: 30 });
    expect(text).toHaveResourceWithProperties(IamRole, { name: 'clarivum-test-echo-fn' });
    const trust = JSON.parse(onlyResource(synth(stack), 'aws_iam_role').assume_role_policy as string);
    expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  });

  it('lets the function write only to its own log group', () => {
    const { stack, fn } = make();
    const [policy] = inlinePolicies(synth(stack));
    expect(policy.statements).toEqual([{
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `${ref(fn.logGroup, 'arn')}:*`,
    }]);
  });

  it('a secret granted to it is read only that secret, decrypted only via Secrets Manager, found through its variable', () => {
    const { stack, fn } = make();
    const key = new KmsKey(stack, 'key', { enableKeyRotation: true });
    const secret = new EncryptedSecret(stack, 'creds', { secretName: 'clarivum/test/creds', description: 'd', key, region: 'eu-central-1' });
    secret.grantRead(fn);
    fn.addEnvironment('CREDS_SECRET_ID', secret.secretArn);
    const s = synth(stack);
    const read = inlinePolicies(s).find((p) => p.name === 'read-creds')!;
    expect(read.statements).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: ref(secret.secret, 'arn') },
      {
        Effect: 'Allow', Action: 'kms:Decrypt', Resource: ref(key, 'arn'),
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' } },
      },
    ]);
    expect(leastPrivilegeViolations(inlinePolicies(s))).toEqual([]);
    expect(onlyResource(s, 'aws_lambda_function').environment).toEqual({
      variables: { CREDS_SECRET_ID: ref(secret.secret, 'arn') },
    });
  });

  it('grantInvoke lets a role invoke this function and its versions only', () => {
    const { stack, fn } = make();
    const role = new ServiceRole(stack, 'caller', { roleName: 'caller', servicePrincipal: 'scheduler.amazonaws.com' });
    fn.grantInvoke(role);
    const invoke = inlinePolicies(synth(stack)).find((p) => p.name === 'invoke-echo')!;
    expect(invoke.statements).toEqual([{
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: [ref(fn.function, 'arn'), `${ref(fn.function, 'arn')}:*`],
    }]);
  });

  it('allowInvokeFrom scopes a service principal to one source ARN', () => {
    const { stack, fn } = make();
    fn.allowInvokeFrom('events', 'events.amazonaws.com', 'arn:aws:events:eu-central-1:111111111111:rule/x');
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(LambdaPermission, {
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      source_arn: 'arn:aws:events:eu-central-1:111111111111:rule/x',
    });
  });

  it.each<[string, Partial<BundledFunctionProps>, RegExp]>([
    ['function name', { functionName: 'bad name!' }, /functionName "bad name!" must be 1 to 64 characters/],
    ['memory below 128', { memoryMb: 64 }, /memoryMb must be an integer from 128 to 10240, got 64/],
    ['memory not an integer', { memoryMb: 200.5 }, /memoryMb must be an integer from 128 to 10240, got 200.5/],
    ['timeout', { timeoutSeconds: 901 }, /timeoutSeconds must be an integer from 1 to 900, got 901/],
    ['log retention', { logRetentionDays: 8 }, /logRetentionDays must be one of 1, 3, .*got 8/],
    ['reserved concurrency', { reservedConcurrency: -1 }, /reservedConcurrency must be an integer >= 0, got -1/],
    ['handler export', { handlerExport: 'not-an-id' }, /handlerExport "not-an-id" is not an identifier/],
    ['environment name', { environment: { '1BAD': 'x' } }, /environment variable name "1BAD" must match/],
    ['reserved environment name', { environment: { AWS_REGION: 'x' } }, /environment variable "AWS_REGION" is reserved by the Lambda service/],
    ['missing entry', { entry: 'lambdas/missing/handler.ts' }, /Lambda entry "lambdas\/missing\/handler.ts" does not exist/],
  ])('rejects a bad %s', (_what, props, message) => {
    expect(() => make(props)).toThrow(message);
  });

  it('rejects a role name that would exceed 64 characters', () => {
    expect(() => make({ functionName: 'f'.repeat(62) })).toThrow(/ServiceRole roleName "f{62}-fn" must be 1 to 64 characters/);
  });

  it('rejects setting one environment variable to two values', () => {
    const { fn } = make({ environment: { A: '1' } });
    expect(() => fn.addEnvironment('A', '2')).toThrow(/environment variable "A" is already set on test\/echo/);
  });

  it('rejects a principal that is not a service', () => {
    const { fn } = make();
    expect(() => fn.allowInvokeFrom('x', '*', 'arn')).toThrow(/allowInvokeFrom principal "\*" must be a service principal/);
  });
});
