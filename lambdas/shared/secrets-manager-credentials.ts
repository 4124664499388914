/**
 * Upstash credentials and admin tokens from AWS Secrets Manager, cached per instance (Powertools
 * `SecretsProvider`). AWSCURRENT is what is read; AWSPENDING only while Upstash refuses AWSCURRENT and
 * accepts AWSPENDING, which happens only inside a `reset-password` rotation (after setSecret's reset,
 * before finishSecret), where the staged tokens are the only ones that work.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CredentialsSource, UpstashCredentials } from './credentials';
import { checkApiToken } from './api-tokens';
import { perContainer } from './per-container';

class SecretUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUnavailableError';
  }
}

export interface SecretsManagerReaderOptions {
  /** Name or ARN of the secret. */
  readonly secretId: string;
  /** @default a client for the function's region */
  readonly client?: SecretsManagerClient;
  /** How long a fetched value is reused, in whole seconds. @default 300 */
  readonly maxAgeSeconds?: number;
}

export interface SecretsManagerCredentialsOptions extends SecretsManagerReaderOptions {
  /**
   * After a 401 the refetched AWSCURRENT may itself be refused: a `reset-password` rotation revokes
   * it in setSecret and moves AWSCURRENT only in finishSecret. `refresh()` then uses AWSPENDING when
   * Upstash accepts it, else polls both this long (the reset is staged a moment after it happens).
   * @default 3000
   */
  readonly rotationWaitMs?: number;
  /** Poll interval during that wait. @default 200 */
  readonly pollIntervalMs?: number;
  /** Whether Upstash refuses these credentials. @default one `PING` over REST, refused on HTTP 401 */
  readonly isRefused?: (creds: UpstashCredentials) => Promise<boolean>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** After a wait that saw no accepted token, later refreshes do not wait again for this long. */
const WAIT_BACKOFF_MS = 30_000;

type Stage = 'AWSCURRENT' | 'AWSPENDING';

/**
 * Loaded on first use, not at module load: the SDK takes about 50 ms to load, which functions
 * running on local credentials (dev server, tests) never need. In AWS the first read pays it.
 */
async function providerFor(client: SecretsManagerClient | undefined): Promise<SecretsProvider> {
  const [{ SecretsProvider: Provider }, sdk] = await Promise.all([
    import('@aws-lambda-powertools/parameters/secrets'),
    client ? undefined : import('@aws-sdk/client-secrets-manager'),
  ]);
  return new Provider({ awsSdkV3Client: client ?? new sdk!.SecretsManagerClient({}) });
}

/**
 * Fetches one stage through the provider's cache, turning SDK errors into a clear message. The
 * provider's cache key ignores the stage, so each stage needs its own provider.
 */
async function fetchStage(provider: () => Promise<SecretsProvider>, opts: SecretsManagerReaderOptions, forceFetch: boolean, stage: Stage = 'AWSCURRENT'): Promise<string> {
  let value: string | Uint8Array | undefined;
  try {
    value = await (await provider()).get(opts.secretId, { maxAge: opts.maxAgeSeconds ?? 300, forceFetch, sdkOptions: { VersionStage: stage } });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    if ((cause as Error).name === 'ResourceNotFoundException') {
      throw new SecretUnavailableError(`secret ${opts.secretId} has no ${stage} value (${(cause as Error).message})`);
    }
    throw new SecretUnavailableError(`could not read secret ${opts.secretId}: ${(cause as Error).message}`);
  }
  if (typeof value !== 'string') throw new SecretUnavailableError(`secret ${opts.secretId} holds no string value`);
  return value;
}

function parseObject(text: string, secretId: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    throw new SecretUnavailableError(`secret ${secretId} is not JSON`);
  }
}

/** Reads `url`, `token`, `readOnlyToken` from the secret JSON; messages name fields, never values. */
function parseCredentials(text: string, secretId: string): UpstashCredentials {
  const obj = parseObject(text, secretId);
  if (!obj) throw new SecretUnavailableError(`secret ${secretId} must hold a JSON object`);
  if (obj.seeded === false) {
    throw new SecretUnavailableError(`secret ${secretId} is not seeded yet: run its first rotation (npm run rotate)`);
  }
  const { url, token, readOnlyToken } = obj;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new SecretUnavailableError(`secret ${secretId}: field "url" must be an http(s) URL`);
  if (typeof token !== 'string' || token.length === 0) throw new SecretUnavailableError(`secret ${secretId}: field "token" must be a non-empty string`);
  if (readOnlyToken !== undefined && typeof readOnlyToken !== 'string') {
    throw new SecretUnavailableError(`secret ${secretId}: field "readOnlyToken" must be a string`);
  }
  return { url, token, readOnlyToken };
}

/**
 * `CredentialsSource` over a rotated Upstash secret. `get()` is cached for `maxAgeSeconds`;
 * `refresh()` (called by the Upstash client after a 401) refetches AWSCURRENT, once for concurrent
 * callers, and when Upstash refuses that too (mid `reset-password` rotation) uses AWSPENDING if it is
 * accepted, until AWSCURRENT changes, or else polls until one of them works.
 */
export class SecretsManagerCredentialsSource implements CredentialsSource {
  private readonly provider: () => Promise<SecretsProvider>;
  private readonly pendingProvider: () => Promise<SecretsProvider>;
  private readonly now: () => number;
  private readonly isRefused: (creds: UpstashCredentials) => Promise<boolean>;
  private last: UpstashCredentials | undefined;
  private lastText: string | undefined;
  /** Accepted AWSPENDING credentials, used while AWSCURRENT still holds `refusedCurrentText`. */
  private pending: { creds: UpstashCredentials; refusedCurrentText: string } | undefined;
  private refreshing: Promise<UpstashCredentials> | undefined;
  private lastFruitlessWaitAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: SecretsManagerCredentialsOptions) {
    this.provider = perContainer(() => providerFor(opts.client));
    this.pendingProvider = perContainer(() => providerFor(opts.client));
    this.now = opts.now ?? Date.now;
    this.isRefused = opts.isRefused ?? pingRefused;
  }

  async get(): Promise<UpstashCredentials> {
    const text = await fetchStage(this.provider, this.opts, false);
    if (this.pending && text === this.pending.refusedCurrentText) return this.pending.creds;
    this.pending = undefined;
    return this.remember(text);
  }

  /** Refetches AWSCURRENT (one fetch for concurrent callers), waiting briefly while Upstash refuses it. */
  refresh(): Promise<UpstashCredentials> {
    this.refreshing ??= this.refetch().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refetch(): Promise<UpstashCredentials> {
    this.pending = undefined;
    let creds = this.remember(await fetchStage(this.provider, this.opts, true));
    if (this.now() - this.lastFruitlessWaitAt < WAIT_BACKOFF_MS) return creds;
    const deadline = this.now() + (this.opts.rotationWaitMs ?? 3_000);
    while (await this.isRefused(creds)) {
      const pending = await this.acceptedPending();
      if (pending) {
        this.pending = { creds: pending, refusedCurrentText: this.lastText! };
        return pending;
      }
      if (this.now() >= deadline) {
        this.lastFruitlessWaitAt = this.now();
        return creds;
      }
      await new Promise((resolve) => setTimeout(resolve, this.opts.pollIntervalMs ?? 200));
      creds = this.remember(await fetchStage(this.provider, this.opts, true));
    }
    return creds;
  }

  /** AWSPENDING when it holds credentials Upstash accepts; undefined otherwise (none staged, unseeded). */
  private async acceptedPending(): Promise<UpstashCredentials | undefined> {
    let creds: UpstashCredentials;
    try {
      creds = parseCredentials(await fetchStage(this.pendingProvider, this.opts, true, 'AWSPENDING'), this.opts.secretId);
    } catch (error) {
      if (error instanceof SecretUnavailableError) return undefined;
      throw error;
    }
    return (await this.isRefused(creds)) ? undefined : creds;
  }

  private remember(text: string): UpstashCredentials {
    if (this.last && text === this.lastText) return this.last;
    this.last = parseCredentials(text, this.opts.secretId);
    this.lastText = text;
    return this.last;
  }
}

/** One REST `PING`: true only on HTTP 401; network trouble is not a refusal (the caller retries anyway). */
export async function pingRefused(creds: UpstashCredentials): Promise<boolean> {
  try {
    const res = await fetch(creds.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.token}`, 'content-type': 'application/json' },
      body: '["PING"]',
      signal: AbortSignal.timeout(1_000),
    });
    await res.arrayBuffer();
    return res.status === 401;
  } catch {
    return false;
  }
}

/** The AWSCURRENT text of one secret, cached for `maxAgeSeconds` (e.g. the Developer API key). */
export class SecretsManagerText {
  private readonly provider: () => Promise<SecretsProvider>;

  constructor(private readonly opts: SecretsManagerReaderOptions) {
    this.provider = perContainer(() => providerFor(opts.client));
  }

  readonly get = (): Promise<string> => fetchStage(this.provider, this.opts, false);
}

/**
 * API tokens (admin, read or metrics) from a secret holding a plain token, `{"token": "..."}` or
 * `{"tokens": ["...", "..."]}` (two tokens let a token change overlap), each at least 32 characters.
 * `tokens` is bound, so it can be passed as `TokenAuthenticator({ tokens: reader.tokens })`.
 */
export class SecretsManagerTokens {
  private readonly provider: () => Promise<SecretsProvider>;

  constructor(private readonly opts: SecretsManagerReaderOptions) {
    this.provider = perContainer(() => providerFor(opts.client));
  }

  readonly tokens = async (): Promise<string[]> => {
    const text = await fetchStage(this.provider, this.opts, false);
    return parseTokens(text, this.opts.secretId);
  };
}

export function parseTokens(text: string, secretId: string): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    if (!trimmed) throw new SecretUnavailableError(`secret ${secretId} is empty`);
    return [strong(trimmed, secretId)];
  }
  const obj = parseObject(trimmed, secretId) ?? {};
  const list = Array.isArray(obj.tokens) ? obj.tokens : obj.token !== undefined ? [obj.token] : [];
  const tokens = list.filter((t): t is string => typeof t === 'string' && t.length > 0);
  if (tokens.length === 0 || tokens.length !== list.length) {
    throw new SecretUnavailableError(`secret ${secretId}: expected "token" or "tokens" with non-empty strings`);
  }
  return tokens.map((t) => strong(t, secretId));
}

function strong(token: string, secretId: string): string {
  try {
    return checkApiToken(token, `secret ${secretId}`);
  } catch (error) {
    throw new SecretUnavailableError((error as Error).message);
  }
}

/** Source for a database when its secret id variable is set (in AWS), else undefined (local runs). */
export function secretsManagerCredentialsFromEnv(
  variable: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: Omit<SecretsManagerCredentialsOptions, 'secretId'> = {},
): SecretsManagerCredentialsSource | undefined {
  const secretId = env[variable];
  return secretId ? new SecretsManagerCredentialsSource({ ...opts, secretId }) : undefined;
}
