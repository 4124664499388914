/**
 * Security findings, one case each, end to end through the dev server (the code `npm run dev` runs)
 * on a real redis-server: identity that cannot be spoofed, strict edges (content types, depth and
 * size limits, no internal text in answers), allowlist address forms, token strength, and callers
 * kept to their own routes. Findings about the deployed infrastructure (IAM authorization, which role
 * reads which secret) are checked on the synthesized Terraform in test/stacks/security-policy.test.ts.
 */
import { tokenFingerprint } from '../../lambdas/shared/api-tokens';
import { startDevServer } from '../../local/dev-server';
import { send, type Reply, type SendOptions } from './client';
import { snapshot, startStack, type Stack } from './stack';
import { captureLogs } from '../support/captured-logs';

let stack: Stack;
const COUNTING_KEYS = /^(metrics:|dev:rl:)/;

beforeAll(async () => {
  stack = await startStack();
  expect((await send(`${stack.url}/c/marketing/about`)).status).toBe(200);
}, 30_000);

afterAll(async () => {
  await stack?.close();
});

const admin = (path: string, opts: SendOptions): Promise<Reply> => send(`${stack.url}${path}`, { method: 'POST', ...opts });
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

interface EdgeCase {
  readonly name: string;
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly status: number;
  readonly error: string;
}

const deep = (depth: number): string => `{"event":"article.published","data":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const KEY = 'dev:marketing:about:default';
const json = JSON.stringify({ keys: [KEY] });

const EDGE_CASES: readonly EdgeCase[] = [
  { name: 'a 5,000-deep JSON body', path: '/admin/invalidate', body: deep(5_000), headers: {}, status: 400, error: 'too_deep' },
  { name: 'a 33-deep JSON body', path: '/admin/invalidate', body: deep(33), headers: {}, status: 400, error: 'too_deep' },
  { name: 'a body over 64 KB', path: '/admin/invalidate', body: JSON.stringify({ keys: [KEY], pad: 'p'.repeat(70_000) }), headers: {}, status: 413, error: 'payload_too_large' },
  { name: 'Content-Type text/plain', path: '/admin/invalidate', body: json, headers: { 'content-type': 'text/plain' }, status: 415, error: 'unsupported_media_type' },
  { name: 'a form body', path: '/admin/bypass', body: 'surface=marketing&enabled=true', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, error: 'unsupported_media_type' },
  { name: 'multipart', path: '/admin/allowlist', body: '--x\r\n\r\n{}\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' }, status: 415, error: 'unsupported_media_type' },
  { name: 'application/jsonp', path: '/admin/invalidate', body: json, headers: { 'content-type': 'application/jsonp' }, status: 415, error: 'unsupported_media_type' },
  { name: 'text/json', path: '/admin/invalidate', body: json, headers: { 'content-type': 'text/json' }, status: 415, error: 'unsupported_media_type' },
  { name: 'no Content-Type', path: '/admin/invalidate', body: json, headers: { 'content-type': '' }, status: 415, error: 'unsupported_media_type' },
  { name: 'a spoofed Bearer beside a valid X-API-Token', path: '/admin/invalidate', body: json, headers: { authorization: 'Bearer x y' }, status: 401, error: 'unauthorized' },
  { name: 'a wrong Bearer beside a valid X-API-Token', path: '/admin/invalidate', body: json, headers: { authorization: 'Bearer someone-else-0123456789abcdef0123456789' }, status: 401, error: 'unauthorized' },
  ...['0.0.0.0', '::', 'fe80::1%eth0', 'fe80::1', '127.0.0.1x', '10.1.2.3', '192.168.0.1', '100.64.0.1', '224.0.0.1', '255.255.255.255', 'ff02::1', 'fc00::1', '203.0.113.7', '2001:db8::1', '1.2.3', '010.1.1.1']
    .map((ip): EdgeCase => ({ name: `allowlist ${ip}`, path: '/admin/allowlist', body: JSON.stringify({ ip }), headers: {}, status: 400, error: 'invalid_ip' })),
];

describe('strict edges: a clean 4xx JSON error, nothing changed', () => {
  it.each(EDGE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cacheBefore = await snapshot(stack.cacheDb);
    const guardrailsBefore = await snapshot(stack.guardrailsDb, COUNTING_KEYS);
    const res = await admin(c.path, { body: c.body, headers: { 'content-type': 'application/json', 'x-api-token': stack.adminTokens[1], ...c.headers } });
    expect(res.status).toBe(c.status);
    expect(res.json()).toEqual({ error: c.error, message: expect.any(String) });
    expect(res.text).not.toMatch(/call stack|RangeError|\bat .+\.(ts|js):\d+/);
    expect(await snapshot(stack.cacheDb)).toEqual(cacheBefore);
    expect(await snapshot(stack.guardrailsDb, COUNTING_KEYS)).toEqual(guardrailsBefore);
  });

  it.each([
    ['::ffff:8.8.8.8', '8.8.8.8'],
    ['2001:4860:4860:0:0:0:0:8888', '2001:4860:4860::8888'],
    ['2001:4860:4860:0000:0000:0000:0000:8844', '2001:4860:4860::8844'],
    ['2606:4700:4700::1111', '2606:4700:4700::1111'],
  ])('allowlist %s is stored as %s, the form the HTTP API reports', async (ip, canonical) => {
    const res = await admin('/admin/allowlist', { body: { ip, ttlSeconds: 60 }, headers: bearer(stack.adminTokens[2]) });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ ip: canonical });
    expect(await stack.guardrailsDb.exists(`dev:rl-allow:${canonical}`)).toBe(1);
  });

  it('answers application/json with parameters (charset) normally', async () => {
    const res = await admin('/admin/invalidate', { body: json, headers: { ...bearer(stack.adminTokens[2]), 'content-type': 'application/json; charset=utf-8' } });
    expect(res.status).toBe(200);
  });
});

describe('one identity per request', () => {
  it('logs the accepted token as who, whatever else the request carries', async () => {
    const token = stack.adminTokens[3];
    const res = await admin('/admin/invalidate', { body: { keys: [KEY] }, headers: { 'x-api-token': token, authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature=y' } });
    expect(res.status).toBe(200);
    const status = await send(`${stack.url}/admin/status`, { headers: bearer(token) });
    const recent = status.json<{ recentInvalidations: { who: string }[] }>().recentInvalidations;
    expect(recent[0].who).toBe(tokenFingerprint(token));
  });

  it('keys the admin rate limit on the accepted token: bogus extra headers buy no more requests', async () => {
    const token = stack.adminTokens[4];
    let limited: Reply | undefined;
    for (let i = 0; i < 80 && !limited; i++) {
      const res = await send(`${stack.url}/admin/status`, { headers: { 'x-api-token': token, authorization: `Basic ${Buffer.from(`x${i}:y`).toString('base64')}` } });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited?.json()).toMatchObject({ error: 'rate_limited' });
    for (const extra of [{ authorization: 'Basic Zm9vOmJhcg==' }, { authorization: 'AWS4-HMAC-SHA256 Signature=other' }, {}] as Record<string, string>[]) {
      expect((await send(`${stack.url}/admin/status`, { headers: { 'x-api-token': token, ...extra } })).status).toBe(429);
    }
    // Another token is its own caller.
    expect((await send(`${stack.url}/admin/status`, { headers: bearer(stack.adminTokens[5]) })).status).toBe(200);
  });

  it('scopes Idempotency-Key to the caller: the same key from two callers neither collides nor replays', async () => {
    const key = 'deploy-2027-01-01-0001';
    const first = await admin('/admin/bypass', { body: { surface: 'marketing', enabled: true, ttlSeconds: 60 }, headers: { ...bearer(stack.adminTokens[6]), 'idempotency-key': key } });
    expect(first.status).toBe(200);
    const other = await admin('/admin/bypass', { body: { surface: 'marketing', enabled: false }, headers: { ...bearer(stack.adminTokens[7]), 'idempotency-key': key } });
    expect(other.status).toBe(200);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.json()).toMatchObject({ enabled: false });
    const repeat = await admin('/admin/bypass', { body: { surface: 'marketing', enabled: true, ttlSeconds: 60 }, headers: { ...bearer(stack.adminTokens[6]), 'idempotency-key': key } });
    expect(repeat.headers['idempotent-replayed']).toBe('true');
  });
});

describe('tokens are at least 32 characters', () => {
  it('the dev server refuses to start with a short admin token, without printing it', async () => {
    await expect(startDevServer({ port: 0, adminToken: 'short-admin-token', env: {} })).rejects.toThrow(/ADMIN_TOKEN: a token must be at least 32 characters, got one of 17$/);
  });
});

describe('no internal error text reaches a client', () => {
  it('a 503 while the cache database fails names no Redis error and carries a request id that the log has', async () => {
    const logs = captureLogs();
    stack.dev.upstash.cache.setFault('http500');
    try {
      const res = await admin('/admin/invalidate', { body: { keys: [KEY] }, headers: bearer(stack.adminTokens[8]) });
      expect(res.status).toBe(503);
      const body = res.json<{ error: string; message: string }>();
      expect(body.error).toBe('redis_unavailable');
      expect(body.message).not.toMatch(/ECONNREFUSED|UpstashError|ERR |connect|127\.0\.0\.1|:\d{4,5}/);
      const requestId = res.headers['x-request-id'];
      expect(requestId).toMatch(/^[\w-]{8,}$/);
      expect(body.message).toContain(requestId);
      const logged = logs.lines().find((line) => line.requestId === requestId);
      expect(logged).toMatchObject({ level: 'ERROR', message: 'admin request failed', cause: expect.stringMatching(/injected fault/) });
    } finally {
      logs.restore();
      stack.dev.upstash.cache.setFault('none');
    }
  });
});

describe('one credential per kind of caller', () => {
  it.each([
    ['a read token on an admin route', 'POST', '/admin/invalidate', () => stack.readToken],
    ['a metrics token on an admin route', 'POST', '/admin/bypass', () => stack.metricsToken],
    ['a read token on /admin/status', 'GET', '/admin/status', () => stack.readToken],
    ['an admin token on /metrics', 'GET', '/metrics', () => stack.adminToken],
    ['an admin token on /debug/cache', 'GET', `/debug/cache?key=${KEY}`, () => stack.adminToken],
    ['a read token on /metrics', 'GET', '/metrics', () => stack.readToken],
  ] as const)('%s is refused with 401', async (_name, method, path, token) => {
    const body = method === 'POST' ? (path === '/admin/bypass' ? { surface: 'marketing', enabled: true } : { keys: [KEY] }) : undefined;
    const res = await send(`${stack.url}${path}`, { method, headers: bearer(token()), ...(body ? { body } : {}) });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ error: 'unauthorized', message: expect.any(String) });
  });

  it('the metrics token opens /metrics and /debug/cache', async () => {
    expect((await send(`${stack.url}/c/marketing/about`)).status).toBe(200);
    expect((await send(`${stack.url}/metrics`, { headers: bearer(stack.metricsToken) })).status).toBe(200);
    expect((await send(`${stack.url}/debug/cache?key=${KEY}`, { headers: bearer(stack.metricsToken) })).status).toBe(200);
  });
});

describe('READ_REQUIRES_AUTH asks reads for the read token', () => {
  let guarded: Stack;
  beforeAll(async () => { guarded = await startStack({ env: { READ_REQUIRES_AUTH: 'true' } }); }, 30_000);
  afterAll(async () => { await guarded?.close(); });

  it('refuses a read without a token or with the admin or metrics token, serves it with the read token, and the read token opens no admin route', async () => {
    const read = (headers: Record<string, string>) => send(`${guarded.url}/c/marketing/about`, { headers });
    expect((await read({})).status).toBe(401);
    expect((await read(bearer(guarded.adminToken))).status).toBe(401);
    expect((await read(bearer(guarded.metricsToken))).status).toBe(401);
    expect(guarded.origin.requests()).toBe(0);
    expect((await read(bearer(guarded.readToken))).status).toBe(200);
    const purge = await send(`${guarded.url}/admin/invalidate`, { method: 'POST', body: { surface: 'marketing', bump: true }, headers: bearer(guarded.readToken) });
    expect(purge.status).toBe(401);
  });
});
