/**
 * A real local HTTP origin for tests that counts the requests it serves. A handler either returns
 * the response (`{ status, headers, body }`) or writes to the Node response itself and returns nothing.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OriginRequest {
  readonly method: string;
  /** Path with query, e.g. `/a?b=1`. */
  readonly url: string;
  /** Path without query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** 1 for the first request this origin served. */
  readonly n: number;
}

export interface OriginResponse {
  /** @default 200 */
  readonly status?: number;
  /** @default { 'content-type': 'application/json' } when `body` is not a string */
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. @default - an empty body */
  readonly body?: unknown;
  /** Wait this long before answering (slow origin). @default 0 */
  readonly delayMs?: number;
}

export type OriginHandler = (
  req: OriginRequest,
  res: ServerResponse,
) => OriginResponse | void | Promise<OriginResponse | void>;

export interface Origin {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  readonly url: string;
  /** Requests served since start or `reset()`. */
  requests(): number;
  /** Requests for a path: matched with the query when `path` has one, else on the path alone. */
  requestsFor(path: string): number;
  /** Every request received, oldest first. */
  log(): readonly OriginRequest[];
  setHandler(handler: OriginHandler): void;
  reset(): void;
  close(): Promise<void>;
}

/** Default origin: a JSON document naming the path and the request number. */
export const defaultOriginHandler: OriginHandler = (req) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: { path: req.path, query: req.query.toString(), n: req.n },
});

export async function startOrigin(handler: OriginHandler = defaultOriginHandler): Promise<Origin> {
  let current = handler;
  let served: OriginRequest[] = [];
  let counter = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://origin');
      counter += 1;
      const request: OriginRequest = {
        method: req.method ?? 'GET',
        url: `${url.pathname}${url.search}`,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        n: counter,
      };
      served.push(request);
      Promise.resolve()
        .then(() => current(request, res))
        .then(async (response) => {
          if (!response) return; // the handler wrote to `res` itself
          if (response.delayMs) await new Promise((r) => setTimeout(r, response.delayMs));
          if (res.headersSent || res.destroyed) return;
          const text = typeof response.body === 'string' ? response.body
            : response.body === undefined ? '' : JSON.stringify(response.body);
          const headers = response.headers
            ?? (typeof response.body === 'string' ? { 'content-type': 'text/plain' } : { 'content-type': 'application/json' });
          res.writeHead(response.status ?? 200, headers);
          res.end(text);
        })
        .catch((err: unknown) => {
          if (res.headersSent || res.destroyed) return;
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`origin handler failed: ${err instanceof Error ? err.message : String(err)}`);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => served.length,
    requestsFor: (path) => served.filter((r) => (path.includes('?') ? r.url === path : r.path === path)).length,
    log: () => served,
    setHandler: (next) => { current = next; },
    reset: () => {
      served = [];
      counter = 0;
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
