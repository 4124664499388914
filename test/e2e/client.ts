/**
 * A plain HTTP client for the end-to-end and fault suites, on `node:http` rather than `fetch` for two
 * things `fetch` cannot do: pick the source address (`ip`: on Linux any `127.x.y.z` reaches the loopback, and
 * the rate limiter keys readers by source IP, so separate callers get separate buckets) and send
 * headers larger than a browser would.
 */
import { request } from 'node:http';

export interface SendOptions {
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  readonly body?: unknown;
  /** Source address, e.g. `127.0.0.7`. @default '127.0.0.1' */
  readonly ip?: string;
  /** @default 15000 */
  readonly timeoutMs?: number;
}

export interface Reply {
  readonly status: number;
  /** Lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly text: string;
  /** Milliseconds from sending to the end of the answer. */
  readonly ms: number;
  /** The body parsed as JSON; throws with the body in the message when it is not JSON. */
  json<T = Record<string, unknown>>(): T;
}

export function send(url: string, opts: SendOptions = {}): Promise<Reply> {
  const payload = opts.body === undefined ? undefined
    : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body
      : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method ?? 'GET',
      headers,
      localAddress: opts.ip ?? '127.0.0.1',
      agent: false,
      timeout: opts.timeoutMs ?? 15_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const text = body.toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: flat,
          body,
          text,
          ms: performance.now() - started,
          json<T>() {
            try {
              return JSON.parse(text) as T;
            } catch {
              throw new Error(`expected a JSON body from ${opts.method ?? 'GET'} ${url}, got ${res.statusCode}: ${text.slice(0, 300)}`);
            }
          },
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url} timed out after ${opts.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `Authorization: Bearer <token>` plus any other headers. */
export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}
