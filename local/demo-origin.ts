/**
 * A small origin for `npm run dev`: marketing pages (HTML), API documents (JSON), a feed (XML) and
 * an image (binary), so every path of the cache can be tried locally. Each answer names the time it
 * was rendered and how many requests the origin served, so a cached answer is easy to tell from a
 * fresh one.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoOrigin {
  /** `http://127.0.0.1:<port>`; surfaces live under `/<surface>/...`. */
  readonly url: string;
  /** Requests served since start. */
  requests(): number;
  /** Answers every request with `status` from now on (an origin outage); `undefined` heals it. */
  setFailure(status: number | undefined): void;
  close(): Promise<void>;
}

export interface DemoOriginOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** A 1x1 transparent PNG. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

interface Page {
  readonly status: number;
  readonly type: string;
  readonly body: string | Buffer;
  readonly headers?: Record<string, string>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(path: string, query: URLSearchParams, lang: string, served: number): Page {
  const renderedAt = new Date().toISOString();
  const [surface, ...rest] = path.replace(/^\/+/, '').split('/');
  const page = rest.join('/');
  if (surface === 'marketing') {
    if (page === 'feed.xml') {
      return { status: 200, type: 'application/rss+xml', body: `<?xml version="1.0"?><rss version="2.0"><channel><title>Demo feed</title><lastBuildDate>${renderedAt}</lastBuildDate></channel></rss>` };
    }
    if (page === 'logo.png') return { status: 200, type: 'image/png', body: PIXEL };
    if (page.startsWith('missing')) return { status: 404, type: 'text/html; charset=utf-8', body: '<h1>Not found</h1>' };
    const title = escapeHtml(page || 'home');
    return {
      status: 200,
      type: 'text/html; charset=utf-8',
      headers: { 'content-language': lang, 'last-modified': new Date().toUTCString() },
      body: `<!doctype html><html lang="${escapeHtml(lang)}"><title>${title}</title><h1>${title}</h1><p>rendered at ${renderedAt}, origin request #${served}</p></html>\n`,
    };
  }
  if (surface === 'api') {
    return {
      status: 200,
      type: 'application/json',
      body: `${JSON.stringify({ resource: page, page: Number(query.get('page') ?? 1), renderedAt, originRequest: served })}\n`,
    };
  }
  return { status: 404, type: 'application/json', body: `${JSON.stringify({ error: 'not_found', message: `no demo surface "${surface}"` })}\n` };
}

export async function startDemoOrigin(opts: DemoOriginOptions = {}): Promise<DemoOrigin> {
  let served = 0;
  let failure: number | undefined;
  const server = createServer((req, res) => {
    served += 1;
    if (failure !== undefined) {
      res.writeHead(failure, { 'content-type': 'text/plain' });
      res.end('demo origin failure\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://origin');
    const wanted = String(req.headers['accept-language'] ?? '').split(',')[0]?.trim() ?? '';
    const lang = /^[a-z]{2}(-[A-Za-z]{2})?$/.test(wanted) ? wanted : 'en';
    const page = render(url.pathname, url.searchParams, lang, served);
    res.writeHead(page.status, { 'content-type': page.type, 'cache-control': 'public, max-age=60', ...page.headers });
    res.end(req.method === 'HEAD' ? undefined : page.body);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => served,
    setFailure: (status) => {
      if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) throw new RangeError(`failure status must be 400 to 599, got ${status}`);
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
