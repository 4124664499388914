/**
 * The two Upstash Developer API calls rotation needs (Basic auth `email:api_key`):
 * `POST /v2/redis/reset-password/{id}` and `GET /v2/redis/database/{id}`. Bodies carry passwords and
 * tokens, so errors quote only the status and Upstash's short error code, never a body.
 */

const DEFAULT_DEVELOPER_API_URL = 'https://api.upstash.com';

export interface DeveloperApiCredentials {
  readonly email: string;
  readonly apiKey: string;
}

/** What rotation reads from `GET /v2/redis/database/{id}`. */
export interface UpstashDatabaseDetails {
  readonly databaseId: string;
  /** Host (and port when not 443) of the REST endpoint, e.g. `eu1-example-12345.upstash.io`. */
  readonly endpoint: string;
  /** Token of the database's default user: full rights, including ACL commands. */
  readonly restToken: string;
  readonly readOnlyRestToken: string;
  readonly state?: string;
}

export class DeveloperApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeveloperApiError';
  }
}

/** Parses the Developer API secret: `{"email", "apiKey"}` (`api_key` accepted too). */
export function parseDeveloperApiSecret(text: string, where: string): DeveloperApiCredentials {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${where}: the Developer API secret is not JSON`);
  }
  const email = obj?.email;
  const apiKey = obj?.apiKey ?? obj?.api_key;
  if (typeof email !== 'string' || !email.includes('@')) throw new Error(`${where}: field "email" must be an email address`);
  if (typeof apiKey !== 'string' || apiKey.length === 0) throw new Error(`${where}: field "apiKey" must be a non-empty string`);
  return { email, apiKey };
}

export interface DeveloperApiClientOptions {
  readonly credentials: DeveloperApiCredentials;
  /** @default https://api.upstash.com */
  readonly baseUrl?: string;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
}

export class DeveloperApiClient {
  private readonly baseUrl: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(opts: DeveloperApiClientOptions) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_DEVELOPER_API_URL).replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${opts.credentials.email}:${opts.credentials.apiKey}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Revokes the database's password and both REST tokens and issues new ones. */
  async resetPassword(databaseId: string): Promise<void> {
    await this.request('POST', `/v2/redis/reset-password/${encodeURIComponent(databaseId)}`);
  }

  async getDatabase(databaseId: string): Promise<UpstashDatabaseDetails> {
    const body = await this.request('GET', `/v2/redis/database/${encodeURIComponent(databaseId)}`);
    const db = body as Record<string, unknown>;
    const text = (name: string): string => {
      const value = db?.[name];
      if (typeof value !== 'string' || value.length === 0) {
        throw new DeveloperApiError(`GET /v2/redis/database/${databaseId}: answer has no "${name}"`);
      }
      return value;
    };
    return {
      databaseId: text('database_id'),
      endpoint: text('endpoint'),
      restToken: text('rest_token'),
      readOnlyRestToken: text('read_only_rest_token'),
      state: typeof db.state === 'string' ? db.state : undefined,
    };
  }

  private async request(method: 'GET' | 'POST', path: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new DeveloperApiError(`${method} ${path}: request failed (${(error as Error).name}: ${(error as Error).message})`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const code = typeof (body as { error?: unknown })?.error === 'string' ? String((body as { error: string }).error).slice(0, 100) : 'no error code';
      throw new DeveloperApiError(`${method} ${path}: HTTP ${res.status} (${code})`, res.status);
    }
    return body;
  }
}
