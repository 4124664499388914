/**
 * `npm run check:state -- --env <env>`: checks what this project cannot create but relies on, the
 * S3 bucket holding the environment's Terraform state (which holds credentials, docs/security.md):
 * all four Block Public Access settings on, a bucket policy denying requests without TLS, default
 * encryption with the configured state key, versioning on. Read-only; prints one line per check.
 */
import { parseArgs } from 'node:util';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ENVIRONMENT_NAMES, environment, type BackendConfig } from '../config';

type S3Backend = Extract<BackendConfig, { type: 's3' }>;

export interface StateCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Whether a statement denies every request without TLS on the bucket and its objects. */
function deniesPlainHttp(statement: Record<string, unknown>, bucket: string): boolean {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  const resources = list(statement.Resource);
  const condition = (statement.Condition as Record<string, Record<string, unknown>> | undefined)?.Bool?.['aws:SecureTransport'];
  return statement.Effect === 'Deny'
    && (statement.Principal === '*' || (statement.Principal as { AWS?: unknown })?.AWS === '*')
    && list(statement.Action).some((a) => a === 's3:*')
    && resources.includes(`arn:aws:s3:::${bucket}`) && resources.includes(`arn:aws:s3:::${bucket}/*`)
    && String(condition) === 'false';
}

/** The four checks; an AWS error becomes a failed check naming it. */
export async function checkStateBucket(client: S3Client, backend: S3Backend): Promise<StateCheck[]> {
  const Bucket = backend.bucket;
  const attempt = async (name: string, fn: () => Promise<Omit<StateCheck, 'name'>>): Promise<StateCheck> => {
    try {
      return { name, ...(await fn()) };
    } catch (error) {
      return { name, ok: false, detail: `${(error as Error).name}: ${(error as Error).message}` };
    }
  };
  return Promise.all([
    attempt('block public access', async () => {
      const c = (await client.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration ?? {};
      const off = (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => c[k] !== true);
      return { ok: off.length === 0, detail: off.length === 0 ? 'all four settings on' : `off: ${off.join(', ')}` };
    }),
    attempt('deny non-TLS', async () => {
      const policy = JSON.parse((await client.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? '{}') as { Statement?: Record<string, unknown>[] };
      const ok = (policy.Statement ?? []).some((s) => deniesPlainHttp(s, Bucket));
      return { ok, detail: ok ? 'the bucket policy denies aws:SecureTransport=false' : 'no statement denies s3:* on the bucket and its objects when aws:SecureTransport is false' };
    }),
    attempt('encrypted with the state key', async () => {
      const rules = (await client.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules ?? [];
      const sse = rules[0]?.ApplyServerSideEncryptionByDefault;
      const key = sse?.KMSMasterKeyID ?? '';
      const keyName = backend.kmsKeyId.split(':').pop() ?? '';
      const ok = sse?.SSEAlgorithm === 'aws:kms' && (key === backend.kmsKeyId || key.endsWith(`:${keyName}`) || key === keyName);
      return { ok, detail: ok ? `aws:kms with ${backend.kmsKeyId}` : `default encryption is ${sse?.SSEAlgorithm ?? 'none'} with ${key || 'no key'}, expected aws:kms with ${backend.kmsKeyId}` };
    }),
    attempt('versioning', async () => {
      const status = (await client.send(new GetBucketVersioningCommand({ Bucket }))).Status;
      return { ok: status === 'Enabled', detail: `versioning ${status ?? 'never enabled'}` };
    }),
  ]);
}

export async function main(argv: string[], deps: { client?: S3Client; out?: (line: string) => void } = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let env: string | undefined;
  try {
    env = parseArgs({ args: argv, options: { env: { type: 'string' } }, strict: true }).values.env;
  } catch (error) {
    out(`error: ${(error as Error).message}`);
    return 2;
  }
  if (!env || !(ENVIRONMENT_NAMES as readonly string[]).includes(env)) {
    out(`usage: npm run check:state -- --env <${ENVIRONMENT_NAMES.join('|')}>`);
    return 2;
  }
  const backend = environment(env).backend;
  if (backend.type !== 's3') {
    out(`${env} keeps local state (plain files holding credentials, docs/security.md): nothing to check in S3`);
    return 0;
  }
  const checks = await checkStateBucket(deps.client ?? new S3Client({ region: backend.region }), backend);
  for (const c of checks) out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
