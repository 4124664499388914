import { Testing } from 'cdktn';
import { DEV_REMOTE_BACKEND, ENVIRONMENT_NAMES, ENVIRONMENTS, type EnvironmentConfig } from '../../config';
import { buildApp } from '../../main';
import { asList, inlinePolicies, leastPrivilegeViolations, scrubHashes } from '../support/cdk-test-kit';
import { synthesizeApp } from './synthesized-app';

const app = synthesizeApp();
const OWN_STACKS = ['data', 'secrets', 'runtime'] as const;
const ids = ENVIRONMENT_NAMES.flatMap((e) => OWN_STACKS.map((s) => `${e}-${s}`));

describe('backends', () => {
  it.each(OWN_STACKS)('dev-%s keeps local state in its own folder, where other dev stacks look for it', (name) => {
    const tf = app.stack(`dev-${name}`).json.terraform as { backend: Record<string, unknown> };
    expect(tf.backend).toEqual({ local: { path: `../dev-${name}/terraform.dev-${name}.tfstate` } });
  });

  it('dev stacks read each other through the same relative path', () => {
    const data = app.stack('dev-secrets').json.data as Record<string, Record<string, { config: unknown }>>;
    expect(data.terraform_remote_state['cross-stack-reference-input-dev-data'].config).toEqual({ path: '../dev-data/terraform.dev-data.tfstate' });
  });

  it.each(['staging', 'prod'] as const)('%s stacks use an encrypted S3 backend with locking, one key per stack', (env) => {
    const backend = ENVIRONMENTS[env].backend as Extract<EnvironmentConfig['backend'], { type: 's3' }>;
    for (const name of OWN_STACKS) {
      const tf = app.stack(`${env}-${name}`).json.terraform as { backend: Record<string, unknown> };
      expect(tf.backend).toEqual({
        s3: {
          bucket: backend.bucket,
          key: `${env}-${name}/${backend.key}`,
          region: backend.region,
          encrypt: true,
          kms_key_id: backend.kmsKeyId,
          dynamodb_table: backend.dynamodbTable,
        },
      });
    }
  });

  it('puts dev on the same encrypted S3 backend when asked (DEV_STATE=s3 in main.ts)', () => {
    const { stacks } = buildApp({ environments: [{ ...ENVIRONMENTS.dev, backend: DEV_REMOTE_BACKEND }] });
    const tf = JSON.parse(Testing.synth(stacks.dev.data)).terraform;
    expect(tf.backend.s3).toMatchObject({ bucket: DEV_REMOTE_BACKEND.bucket, encrypt: true, kms_key_id: DEV_REMOTE_BACKEND.kmsKeyId, dynamodb_table: DEV_REMOTE_BACKEND.dynamodbTable });
  });

  it('uses S3 native locking when no DynamoDB table is configured', () => {
    const prod = ENVIRONMENTS.prod;
    const kmsKeyId = 'arn:aws:kms:eu-central-1:333333333333:alias/clarivum-prod-terraform-state';
    const env: EnvironmentConfig = { ...prod, backend: { type: 's3', bucket: 'state-bucket', key: 'k.tfstate', region: 'eu-central-1', kmsKeyId } };
    const { stacks } = buildApp({ environments: [env] });
    const tf = JSON.parse(Testing.synth(stacks.prod.data)).terraform;
    expect(tf.backend.s3).toEqual({ bucket: 'state-bucket', key: 'prod-data/k.tfstate', region: 'eu-central-1', encrypt: true, kms_key_id: kmsKeyId, use_lockfile: true });
  });

  it.each(OWN_STACKS)('%s stacks pin the AWS provider to the environment account and region', (name) => {
    for (const env of ENVIRONMENT_NAMES) {
      const aws = (app.stack(`${env}-${name}`).json.provider as Record<string, Record<string, unknown>[]>).aws[0];
      expect(aws).toMatchObject({ region: ENVIRONMENTS[env].aws.region, allowed_account_ids: [ENVIRONMENTS[env].aws.accountId] });
    }
  });
});

describe('least privilege', () => {
  it.each(ids)('%s: no wildcard on secrets or KMS, no service-wide actions, KMS only via Secrets Manager', (id) => {
    expect(leastPrivilegeViolations(inlinePolicies(app.stack(id)))).toEqual([]);
  });

  it.each(ids)('%s: no wildcard resource but X-Ray segment writes (the rotation never calls GetRandomPassword: Upstash issues tokens)', (id) => {
    const xrayWrites = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
    const wildcards = inlinePolicies(app.stack(id)).flatMap((p) => p.statements)
      .filter((st) => asList(st.Resource).includes('*') && !asList(st.Action).every((a) => xrayWrites.includes(a)));
    expect(wildcards).toEqual([]);
  });

  it('the checker catches a wildcard (so the checks above can fail)', () => {
    expect(leastPrivilegeViolations([{ name: 'p', role: 'r', statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }]))
      .toEqual(['p: wildcard resource for secretsmanager:GetSecretValue']);
    expect(leastPrivilegeViolations([{ name: 'p', role: 'r', statements: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:k' }] }]))
      .toEqual(['p: kms without kms:ViaService']);
  });
});

describe('stack validations and snapshots', () => {
  it.each(ids)('%s passes Testing.synth(stack, true)', (id) => {
    const [env, name] = id.split('-') as [keyof typeof app.stacks, (typeof OWN_STACKS)[number]];
    expect(() => Testing.synth(app.stacks[env][name], true)).not.toThrow();
  });

  it.each(ids)('%s matches its snapshot (content hashes scrubbed)', (id) => {
    expect(scrubHashes(app.stack(id).text)).toMatchSnapshot();
  });
});

describe('invalid config', () => {
  it('fails synth naming the field and the value', () => {
    const bad: EnvironmentConfig = { ...ENVIRONMENTS.staging, upstash: { ...ENVIRONMENTS.staging.upstash, primaryRegion: 'Frankfurt' } };
    expect(() => buildApp({ environments: [bad] })).toThrow(/environments\.staging\.upstash\.primaryRegion = "Frankfurt": expected a region/);
  });

  it('fails synth on a bad deployment setting', () => {
    const prod = ENVIRONMENTS.prod;
    const bad: EnvironmentConfig = { ...prod, deployment: { ...prod.deployment!, lambdas: { ...prod.deployment!.lambdas, admin: { memoryMb: 64, timeoutSeconds: 10 } } } };
    expect(() => buildApp({ environments: [bad] })).toThrow(/environments\.prod\.deployment\.lambdas\.admin\.memoryMb = 64/);
  });
});
