/**
 * Our Upstash transport against the real local REST server (and, for what that server never does,
 * small raw HTTP servers), side by side with the client's own `fetch` transport: same results, same
 * errors, nothing cut off or failed reported as success.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, Redis, type Requester, type UpstashRequest } from '@upstash/redis';
import { UpstashHttp } from '../../lambdas/shared/upstash-http';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

let upstash: TestUpstash;
beforeAll(async () => { upstash = await startTestUpstash(); });
afterAll(async () => { await upstash?.stop(); });
beforeEach(async () => { await upstash.flush(); });

/** The client's own transport (global `fetch`), plain replies, no retries. */
function stockTransport(url: string, token: string): Requester {
  const redis = new Redis({ url, token, responseEncoding: false, enableTelemetry: false, retry: false });
  return (redis as unknown as { client: Requester }).client;
}

/** Result or error (class and message) of one request, to compare two transports. */
async function outcome(transport: Requester, req: UpstashRequest): Promise<unknown> {
  try {
    return { result: await transport.request(req) };
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

interface RawServer {
  readonly url: string;
  requests(): number;
  connections(): number;
  close(): Promise<void>;
}

async function rawServer(handle: (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void): Promise<RawServer> {
  let requests = 0;
  let connections = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    const n = requests;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => handle(req, res, n, body));
  });
  server.on('connection', () => { connections += 1; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    connections: () => connections,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('UpstashHttp against the local Upstash server', () => {
  it('gives what the client\'s own transport gives, for results and errors alike', async () => {
    const ours = new UpstashHttp({ url: upstash.url, token: upstash.token });
    const stock = stockTransport(upstash.url, upstash.token);
    const requests: UpstashRequest[] = [
      { body: ['SET', 'k', '{"a":"é ✓"}'] },
      { body: ['GET', 'k'] },
      { body: ['MGET', 'k', 'absent'] },
      { body: ['INCR', 'k'] }, // an error answer from Redis
      { path: ['pipeline'], body: [['SET', 'n', '1'], ['INCR', 'n'], ['INCR', 'k']] },
      { path: ['multi-exec'], body: [['INCR', 'n'], ['GET', 'n']] },
      { body: ['NOSUCHCOMMAND'] },
    ];
    const fromSameState = async (transport: Requester, req: UpstashRequest) => {
      await upstash.flush();
      await upstash.redis.set('k', '{"a":"é ✓"}');
      await upstash.redis.set('n', '1');
      return outcome(transport, req);
    };
    for (const req of requests) expect(await fromSameState(ours, req)).toEqual(await fromSameState(stock, req));
    const wrong = await outcome(new UpstashHttp({ url: upstash.url, token: 'wrong' }), { body: ['GET', 'k'] });
    expect(wrong).toEqual(await outcome(stockTransport(upstash.url, 'wrong'), { body: ['GET', 'k'] }));
    expect(wrong).toMatchObject({ error: 'UpstashError', message: expect.stringMatching(/WRONGPASS.*command was: \["GET","k"\]/) });
  });

  it('serves the real client, auto-pipelined batches and 100 KB values included', async () => {
    const redis = new Redis({ url: upstash.url, token: upstash.token, automaticDeserialization: false, enableTelemetry: false, enableAutoPipelining: true });
    (redis as unknown as { client: Requester }).client = new UpstashHttp({ url: upstash.url, token: upstash.token });
    await redis.set('a', 'x'.repeat(100_000));
    const [a, missing, n] = await Promise.all([redis.get('a'), redis.get('missing'), redis.incr('n')]);
    expect([(a as string).length, missing, n]).toEqual([100_000, null, 1]);
  });
});

describe('UpstashHttp on the wire', () => {
  let server: RawServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  it('keeps one connection alive across requests', async () => {
    server = await rawServer((_req, res) => res.end('{"result":"OK"}'));
    const http = new UpstashHttp({ url: server.url, token: 't' });
    for (let i = 0; i < 20; i++) await http.request({ body: ['PING'] });
    expect(server.requests()).toBe(20);
    expect(server.connections()).toBe(1);
  });

  it('sends what the client\'s own transport sends: method, path, token, content type, sync token, body', async () => {
    const seen: Record<string, unknown>[] = [];
    server = await rawServer((req, res, _n, body) => {
      seen.push({
        method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'],
        sync: req.headers['upstash-sync-token'], encoding: req.headers['upstash-encoding'], body,
      });
      res.end('{"result":"OK"}');
    });
    const requests: UpstashRequest[] = [{ body: ['SET', 'k', 'é ✓ "quoted"'] }, { path: ['pipeline'], body: [['GET', 'k'], ['DEL', 'k']] }];
    for (const req of requests) {
      await stockTransport(server.url, 'secret').request(req);
      await new UpstashHttp({ url: server.url, token: 'secret' }).request(req);
    }
    const sent = seen;
    expect(sent).toHaveLength(4);
    expect(sent[1]).toEqual(sent[0]);
    expect(sent[3]).toEqual(sent[2]);
    expect(sent[2]).toMatchObject({ method: 'POST', url: '/pipeline', auth: 'Bearer secret', body: '[["GET","k"],["DEL","k"]]' });
  });

  it('sends the bearer token, the command as JSON and the read-your-writes token it was given', async () => {
    const seen: { auth?: string; sync?: string; path?: string }[] = [];
    server = await rawServer((req, res) => {
      seen.push({ auth: req.headers.authorization, sync: req.headers['upstash-sync-token'] as string, path: req.url });
      res.setHeader('upstash-sync-token', `sync-${seen.length}`);
      res.end('[{"result":"OK"}]');
    });
    const http = new UpstashHttp({ url: `${server.url}/`, token: 'secret' });
    await http.request({ path: ['pipeline'], body: [['PING']] });
    await http.request({ body: ['PING'] });
    expect(seen).toEqual([
      { auth: 'Bearer secret', sync: '', path: '/pipeline' },
      { auth: 'Bearer secret', sync: 'sync-1', path: '/' },
    ]);
  });

  it('answers garbage and error statuses with the client\'s own errors, never a result', async () => {
    server = await rawServer((req, res) => {
      if (req.url === '/garbage') res.end('<html>bad gateway</html>');
      else { res.statusCode = 500; res.end(req.url === '/json' ? '{"error":"ERR internal"}' : 'oops'); }
    });
    for (const path of ['garbage', 'json', 'text']) {
      const req = { path: [path], body: ['GET', 'k'] };
      const ours = await outcome(new UpstashHttp({ url: server.url, token: 't' }), req);
      expect(ours).toEqual(await outcome(stockTransport(server.url, 't'), req));
      expect(ours).toHaveProperty('error');
    }
    await expect(new UpstashHttp({ url: server.url, token: 't' }).request({ path: ['json'], body: ['GET', 'k'] }))
      .rejects.toThrow(errors.UpstashError);
  });

  it('retries a dropped connection as configured, and an error status never', async () => {
    server = await rawServer((req, res, n) => {
      if (req.url === '/status') { res.statusCode = 500; res.end('{"error":"ERR once"}'); return; }
      if (n % 2 === 1) res.socket?.destroy(); // every other request dies without an answer
      else res.end('{"result":"PONG"}');
    });
    expect(await new UpstashHttp({ url: server.url, token: 't', retries: 1 }).request({ body: ['PING'] })).toEqual({ result: 'PONG' });
    expect(server.requests()).toBe(2);
    await expect(new UpstashHttp({ url: server.url, token: 't', retries: 0 }).request({ body: ['PING'] })).rejects.toThrow(/socket hang up|ECONNRESET/);
    const before = server.requests();
    await expect(new UpstashHttp({ url: server.url, token: 't', retries: 3 }).request({ path: ['status'], body: ['PING'] })).rejects.toThrow(/ERR once/);
    expect(server.requests() - before).toBe(1);
  });

  it('rejects an answer cut off midway instead of returning the part that came', async () => {
    server = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000', 'content-type': 'application/json' });
      res.write('{"result":"partial');
      setImmediate(() => res.socket?.destroy());
    });
    await expect(new UpstashHttp({ url: server.url, token: 't', retries: 0 }).request({ body: ['GET', 'k'] })).rejects.toThrow(/before the whole answer|aborted|ECONNRESET/);
  });

  it('stops at the signal with its reason, and sends nothing when it is already aborted', async () => {
    const held: ServerResponse[] = [];
    server = await rawServer((_req, res) => { held.push(res); }); // never answers
    const http = new UpstashHttp({ url: server.url, token: 't', retries: 3 });
    const controller = new AbortController();
    const pending = http.request({ body: ['GET', 'k'], signal: controller.signal });
    while (server.requests() === 0) await new Promise((r) => setTimeout(r, 5));
    const reason = new Error('wire timeout');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(server.requests()).toBe(1); // an abort is not retried

    const sent = server.requests();
    await expect(http.request({ body: ['GET', 'k'], signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.requests()).toBe(sent);
  });

  it('speaks TLS to an https:// URL (a plain-HTTP server cannot answer it)', async () => {
    server = await rawServer((_req, res) => res.end('{"result":"OK"}'));
    const tls = new UpstashHttp({ url: server.url.replace('http:', 'https:'), token: 't', retries: 0 });
    await expect(tls.request({ body: ['PING'] })).rejects.toThrow(/EPROTO|wrong version number|SSL|TLS/i);
    expect(server.requests()).toBe(0);
  });

  it('refuses a URL that is not http(s), naming it', () => {
    expect(() => new UpstashHttp({ url: 'redis://127.0.0.1:6379', token: 't' })).toThrow(/must be https:\/\/.*redis:\/\/127\.0\.0\.1:6379/);
    expect(() => new UpstashHttp({ url: 'not a url', token: 't' })).toThrow(/not a URL: "not a url"/);
  });
});
