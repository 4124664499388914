/**
 * Where runtime code gets Upstash credentials from. Locally: environment variables. In AWS: the
 * Secrets Manager reader (rotation issue), cached, refreshed on demand after a 401.
 */
export interface UpstashCredentials {
  readonly url: string;
  readonly token: string;
  readonly readOnlyToken?: string;
}

export interface CredentialsSource {
  /** Cached credentials (fetched on first use). */
  get(): Promise<UpstashCredentials>;
  /** Drops the cache and fetches again; called once after Upstash answers 401. */
  refresh(): Promise<UpstashCredentials>;
}

/** Reads `<PREFIX>_REST_URL` and `<PREFIX>_REST_TOKEN` (default prefix `UPSTASH_REDIS`). */
export class EnvCredentialsSource implements CredentialsSource {
  constructor(private readonly prefix = 'UPSTASH_REDIS', private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(): Promise<UpstashCredentials> {
    const url = this.env[`${this.prefix}_REST_URL`];
    const token = this.env[`${this.prefix}_REST_TOKEN`];
    if (!url || !token) {
      throw new Error(`missing ${this.prefix}_REST_URL or ${this.prefix}_REST_TOKEN in the environment`);
    }
    return { url, token, readOnlyToken: this.env[`${this.prefix}_REST_READONLY_TOKEN`] };
  }

  refresh(): Promise<UpstashCredentials> {
    return this.get();
  }
}
