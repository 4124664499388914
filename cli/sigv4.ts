/**
 * SigV4 signing of admin requests for the HTTP API's AWS IAM authorization (staging and prod), with
 * the AWS SDK's signer and the operator's credentials from the SDK's default chain (environment,
 * profile, SSO, instance role...). The admin token then travels in `X-API-Token`, since
 * `Authorization` carries the signature.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Signs one request; answers the headers to send (the given ones plus the signature's). */
export type RequestSigner = (method: string, url: URL, headers: Record<string, string>, body?: string) => Promise<Record<string, string>>;

const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/;

/** Whether requests to `url` must be signed: `CACHE_ADMIN_SIGV4=true`, or an `execute-api` host. */
export function wantsSigV4(url: URL, env: NodeJS.ProcessEnv): boolean {
  const flag = env.CACHE_ADMIN_SIGV4?.trim().toLowerCase();
  if (flag === 'true' || flag === '1') return true;
  if (flag === 'false' || flag === '0') return false;
  return EXECUTE_API_HOST.test(url.hostname);
}

/** The region to sign for: the `execute-api` host's, else `AWS_REGION` / `AWS_DEFAULT_REGION`. */
export function signingRegion(url: URL, env: NodeJS.ProcessEnv): string {
  const region = EXECUTE_API_HOST.exec(url.hostname)?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error(`cannot tell the AWS region of ${url.host}: set AWS_REGION`);
  return region;
}

export function sigV4Signer(region: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider = defaultProvider()): RequestSigner {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Hash.bind(null, 'sha256'), applyChecksum: true });
  return async (method, url, headers, body) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers as Record<string, string>;
  };
}
