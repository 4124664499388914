/** A small client of the admin API for the operator CLI. */
import type { RequestSigner } from './sigv4';

/** The admin API answered with an error, or could not be reached. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly code: string,
    message: string,
    /** From `Retry-After` on a 429 or 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AdminClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8787`; `/admin/...` is appended. */
  readonly baseUrl: string;
  readonly token: string;
  /**
   * Signs each request (SigV4, for the HTTP API's IAM authorization); the token then goes in
   * `X-API-Token`. @default - unsigned, the token as `Authorization: Bearer`
   */
  readonly signer?: RequestSigner;
  /** @default 30000 */
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly idempotencyKey?: string;
}

export class AdminClient {
  private readonly baseUrl: string;

  constructor(private readonly options: AdminClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new AdminApiError(undefined, 'bad_url', `CACHE_ADMIN_URL is not a URL: "${options.baseUrl}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AdminApiError(undefined, 'bad_url', `CACHE_ADMIN_URL must be http(s), got "${options.baseUrl}"`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  post<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    return this.request<T>('POST', path, headers, JSON.stringify(body));
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path, {});
  }

  /** A raw text resource (such as `/metrics`) with the admin token. */
  async text(path: string): Promise<string> {
    const response = await this.send('GET', path, {});
    const text = await response.text();
    if (!response.ok) throw errorFrom(response, text, `GET ${path}`);
    return text;
  }

  private async request<T>(method: string, path: string, headers: Record<string, string>, body?: string): Promise<T> {
    const response = await this.send(method, path, headers, body);
    const text = await response.text();
    if (!response.ok) throw errorFrom(response, text, `${method} ${path}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminApiError(response.status, 'bad_response', `${method} ${path} answered ${response.status} with a body that is not JSON`);
    }
  }

  private async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const signer = this.options.signer;
    let sent: Record<string, string>;
    try {
      sent = signer
        ? await signer(method, new URL(url), { ...headers, 'x-api-token': this.options.token }, body)
        : { ...headers, authorization: `Bearer ${this.options.token}` };
    } catch (error) {
      throw new AdminApiError(undefined, 'signing_failed', `cannot sign ${method} ${path} with AWS credentials: ${(error as Error).message}`);
    }
    try {
      return await fetch(url, {
        method,
        // fetch sets Host itself, from the URL the signature covers.
        headers: Object.fromEntries(Object.entries(sent).filter(([name]) => name.toLowerCase() !== 'host')),
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new AdminApiError(undefined, 'unreachable', `cannot reach ${url}: ${reason}`);
    }
  }
}

function errorFrom(response: Response, text: string, what: string): AdminApiError {
  const status = response.status;
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') {
      return new AdminApiError(status, body.error, typeof body.message === 'string' ? body.message : body.error, retryAfterSeconds);
    }
  } catch {
    // not JSON: fall through
  }
  return new AdminApiError(status, `http_${status}`, `${what} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, retryAfterSeconds);
}
