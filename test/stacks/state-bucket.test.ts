/**
 * `npm run check:state`: the state bucket's protections are checked through the real S3 client's
 * commands against answers from `aws-sdk-client-mock` (S3 is AWS and unreachable here: mocked).
 */
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/check-state-bucket';
import { ENVIRONMENTS } from '../../config';

const backend = ENVIRONMENTS.prod.backend as Extract<typeof ENVIRONMENTS.prod.backend, { type: 's3' }>;
const BUCKET = backend.bucket;
const TLS_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
});

function bucket(overrides: { publicAccess?: Record<string, boolean>; policy?: string; sse?: { SSEAlgorithm: 'aws:kms' | 'AES256'; KMSMasterKeyID?: string }; versioning?: 'Enabled' | 'Suspended' } = {}) {
  const client = new S3Client({ region: 'eu-central-1' });
  const mock = mockClient(client);
  mock.on(GetPublicAccessBlockCommand, { Bucket: BUCKET }).resolves({ PublicAccessBlockConfiguration: {
    BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true, ...overrides.publicAccess,
  } });
  mock.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: overrides.policy ?? TLS_ONLY });
  mock.on(GetBucketEncryptionCommand, { Bucket: BUCKET }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{
    ApplyServerSideEncryptionByDefault: overrides.sse ?? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: backend.kmsKeyId },
  }] } });
  mock.on(GetBucketVersioningCommand, { Bucket: BUCKET }).resolves({ Status: overrides.versioning ?? 'Enabled' });
  return { client, mock };
}

async function run(client: S3Client, env = 'prod') {
  const out: string[] = [];
  const code = await main(['--env', env], { client, out: (l) => out.push(l) });
  return { code, out };
}

describe('npm run check:state', () => {
  it('passes a bucket that blocks public access, denies non-TLS, encrypts with the state key and keeps versions', async () => {
    const { code, out } = await run(bucket().client);
    expect(code).toBe(0);
    expect(out.every((l) => l.startsWith('ok '))).toBe(true);
    expect(out).toHaveLength(4);
  });

  it.each([
    ['a Block Public Access setting off', { publicAccess: { RestrictPublicBuckets: false } }, /FAIL block public access: off: RestrictPublicBuckets/],
    ['no TLS-only statement', { policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }) }, /FAIL deny non-TLS/],
    ['SSE-S3 instead of the state key', { sse: { SSEAlgorithm: 'AES256' as const } }, /FAIL encrypted with the state key: default encryption is AES256/],
    ['another KMS key', { sse: { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: 'arn:aws:kms:eu-central-1:333333333333:key/other' } }, /FAIL encrypted with the state key/],
    ['versioning suspended', { versioning: 'Suspended' as const }, /FAIL versioning: versioning Suspended/],
  ])('fails with exit code 1 on %s', async (_name, overrides, line) => {
    const { code, out } = await run(bucket(overrides).client);
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(line);
  });

  it('reports a bucket without a policy as a failed check, not a crash', async () => {
    const { client, mock } = bucket();
    mock.on(GetBucketPolicyCommand).rejects(new S3ServiceException({ name: 'NoSuchBucketPolicy', $fault: 'client', $metadata: {}, message: 'The bucket policy does not exist' }));
    const { code, out } = await run(client);
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/FAIL deny non-TLS: NoSuchBucketPolicy/);
  });

  it('says dev keeps local state, and refuses an unknown environment', async () => {
    expect((await run(new S3Client({ region: 'eu-central-1' }), 'dev')).out[0]).toMatch(/dev keeps local state/);
    expect((await run(new S3Client({ region: 'eu-central-1' }), 'qa')).code).toBe(2);
  });
});
