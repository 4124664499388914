import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startDevServer, toHttpApiEvent, writeHttpApiResult, type DevServer } from '../../local/dev-server';
import { environment } from '../../config/environments';
import { startOrigin, type Origin } from '../support/origin';
import { SHARD_DATABASE, SHARD_ID, withCacheShard } from '../support/two-cache-databases';

function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('event translation (Node HTTP <-> HTTP API payload 2.0)', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Echoes the event it built, and answers a binary result as a function would.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const event = toHttpApiEvent(req, Buffer.concat(chunks));
        if (event.rawPath === '/binary') {
          writeHttpApiResult(res, { statusCode: 201, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 255, 1, 254]).toString('base64'), isBase64Encoded: true, cookies: ['a=1', 'b=2'] });
          return;
        }
        writeHttpApiResult(res, { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('builds a version 2.0 event with route, path parameters, query and cookies', async () => {
    const res = await send(`${url}/c/marketing/blog/a.html?lang=de&tag=x&tag=y`, { headers: { cookie: 'session=1; theme=dark', 'X-Custom': 'v' } });
    const event = JSON.parse(res.body.toString()) as APIGatewayProxyEventV2;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /c/{surface}/{proxy+}',
      rawPath: '/c/marketing/blog/a.html',
      rawQueryString: 'lang=de&tag=x&tag=y',
      queryStringParameters: { lang: 'de', tag: 'x,y' },
      pathParameters: { surface: 'marketing', proxy: 'blog/a.html' },
      cookies: ['session=1', 'theme=dark'],
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/c/marketing/blog/a.html', sourceIp: '127.0.0.1' }, stage: '$default' },
    });
    expect(event.headers['x-custom']).toBe('v');
    expect(event.headers.cookie).toBeUndefined();
  });

  it('base64-encodes a binary request body and keeps a JSON one as text', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x00, 0xff, 0xfe]);
    const binary = JSON.parse((await send(`${url}/admin/x`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })).body.toString()) as APIGatewayProxyEventV2;
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body ?? '', 'base64')).toEqual(bytes);
    const text = JSON.parse((await send(`${url}/admin/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":"é"}') })).body.toString()) as APIGatewayProxyEventV2;
    expect(text).toMatchObject({ isBase64Encoded: false, body: '{"a":"é"}', routeKey: '$default' });
  });

  it('decodes a base64 result body and writes cookies as Set-Cookie', async () => {
    const res = await send(`${url}/binary`);
    expect(res.status).toBe(201);
    expect(res.body).toEqual(Buffer.from([0, 255, 1, 254]));
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });
});

describe('startDevServer', () => {
  let dev: DevServer;
  let origin: Origin;

  beforeAll(async () => {
    origin = await startOrigin((req) => ({ headers: { 'content-type': 'application/json' }, body: { overridden: req.path } }));
    dev = await startDevServer({ port: 0, env: { ORIGIN_API: `${origin.url}/v2` } });
  });

  afterAll(async () => {
    await dev?.close();
    await origin?.close();
  });

  it('generates an admin token when none is given and guards the admin routes with it', async () => {
    expect(dev.adminTokenGenerated).toBe(true);
    expect(dev.adminToken.length).toBeGreaterThanOrEqual(24);
    expect((await send(`${dev.url}/admin/status`)).status).toBe(401);
    const ok = await send(`${dev.url}/admin/status`, { headers: { authorization: `Bearer ${dev.adminToken}` } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString())).toMatchObject({ env: 'dev', surfaces: expect.any(Array) });
  });

  it('serves /healthz, /readyz and /metrics (admin token) on the same port', async () => {
    expect((await send(`${dev.url}/healthz`)).status).toBe(200);
    expect((await send(`${dev.url}/readyz`)).status).toBe(200);
    expect((await send(`${dev.url}/metrics`)).status).toBe(401);
    expect((await send(`${dev.url}/metrics`, { headers: { authorization: `Bearer ${dev.adminToken}` } })).status).toBe(401);
    const metrics = await send(`${dev.url}/metrics`, { headers: { authorization: `Bearer ${dev.metricsToken}` } });
    expect(metrics.status).toBe(200);
    expect(String(metrics.headers['content-type'])).toMatch(/^text\/plain/);
  });

  it('caches through the demo origin, binary bodies intact', async () => {
    const direct = await send(`${dev.origins.marketing}/logo.png`);
    const first = await send(`${dev.url}/c/marketing/logo.png`);
    const second = await send(`${dev.url}/c/marketing/logo.png`);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['content-type']).toBe('image/png');
    expect(second.body).toEqual(direct.body);
    expect(direct.body.subarray(1, 4).toString()).toBe('PNG');
  });

  it('applies ORIGIN_<SURFACE> overrides', async () => {
    expect(dev.origins.api).toBe(`${origin.url}/v2`);
    const res = await send(`${dev.url}/c/api/plans`);
    expect(JSON.parse(res.body.toString())).toEqual({ overridden: '/v2/plans' });
    expect(origin.requestsFor('/v2/plans')).toBe(1);
  });
});

describe('startDevServer with a further cache database (upstash.cacheShards)', () => {
  let dev: DevServer;

  beforeAll(async () => {
    dev = await startDevServer({ port: 0, env: {}, config: withCacheShard(environment('dev'), ['api']) });
  });

  afterAll(async () => { await dev?.close(); });

  it('starts a local Upstash server for the shard and reads and invalidates the surface it claims there', async () => {
    const shard = dev.upstash.shards[SHARD_ID];
    expect(shard).toBeDefined();
    const shardRequests = shard?.requestCount() ?? 0;
    const cacheRequests = dev.upstash.cache.requestCount();
    expect((await send(`${dev.url}/c/api/plans`)).headers['x-cache']).toBe('MISS');
    expect((await send(`${dev.url}/c/api/plans`)).headers['x-cache']).toBe('HIT');
    expect((shard?.requestCount() ?? 0) - shardRequests).toBeGreaterThanOrEqual(2);
    expect(dev.upstash.cache.requestCount()).toBe(cacheRequests); // the default cache database is not asked
    expect((await send(`${dev.url}/c/marketing/blog/a`)).headers['x-cache']).toBe('MISS');
    expect(dev.upstash.cache.requestCount()).toBeGreaterThan(cacheRequests);

    const invalidated = await send(`${dev.url}/admin/invalidate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.adminToken}`, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ keys: ['dev:api:plans:default'] })),
    });
    expect(invalidated.status).toBe(200);
    expect((await send(`${dev.url}/c/api/plans`)).headers['x-cache']).toBe('MISS');
  });

  it('reports the shard\'s circuit in /readyz', async () => {
    const ready = JSON.parse((await send(`${dev.url}/readyz`)).body.toString()) as { circuits?: Record<string, string> };
    expect(Object.keys(ready.circuits ?? {})).toEqual(expect.arrayContaining(['cache', SHARD_DATABASE]));
  });
});
