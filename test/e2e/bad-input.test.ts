/**
 * Bad input, table-driven, end to end through the dev server: every case must get a 4xx with the
 * contract's JSON error `{"error", "message"}` and change nothing — the cache database and the
 * guardrails database (rate-limit counters and metrics aside, which count every request by
 * design) are compared key by key, value by value, before and after, and the origin is never called.
 */
import { send, type SendOptions } from './client';
import { snapshot, startStack, type Stack } from './stack';

let stack: Stack;
let tokenTurn = 0;
/** A valid admin token, rotated: the admin rate limit (60 a minute) is per token. */
const validToken = (): string => stack.adminTokens[tokenTurn++ % stack.adminTokens.length] as string;

// Counters a request may move without changing anything: metrics, rate-limit windows and the warmup's
// popularity counts, which the per-instance metrics flush writes (recorded by earlier valid reads,
// flushed whenever a later request, bad or not, finds the flush due).
const COUNTING_KEYS = /^(metrics:|dev:rl:|dev:warmup:popular:)/;

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  /** JSON-encoded unless a string. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** 'valid' adds a valid bearer token; a string is sent as the bearer token; null sends none. @default 'valid' for /admin */
  readonly token?: 'valid' | string | null;
  readonly status: number;
  /** Expected `error` code, when the contract names one. */
  readonly error?: string;
}

const KEY = 'dev:marketing:about:default';
const invalidate = (name: string, body: unknown, status: number, error?: string): Case =>
  ({ name: `invalidate: ${name}`, method: 'POST', path: '/admin/invalidate', body, status, error });
const bypass = (name: string, body: unknown, status: number, error?: string): Case =>
  ({ name: `bypass: ${name}`, method: 'POST', path: '/admin/bypass', body, status, error });
const allowlist = (name: string, body: unknown, status: number, error?: string): Case =>
  ({ name: `allowlist: ${name}`, method: 'POST', path: '/admin/allowlist', body, status, error });
const readPath = (name: string, path: string, status: number, error?: string, headers?: Record<string, string>): Case =>
  ({ name: `read: ${name}`, path, status, error, headers, token: null });

const CASES: readonly Case[] = [
  // Malformed JSON and wrong shapes.
  invalidate('truncated JSON', '{"keys": [', 400, 'malformed_json'),
  invalidate('empty body', '', 400, 'malformed_json'),
  invalidate('a JSON array', '[]', 400, 'malformed_json'),
  invalidate('a JSON string', '"keys"', 400, 'malformed_json'),
  invalidate('JSON null', 'null', 400, 'malformed_json'),
  invalidate('no mode', {}, 400),
  invalidate('two modes at once', { keys: [KEY], surface: 'marketing', bump: true }, 400),
  invalidate('an unknown field', { keys: [KEY], force: true }, 400),
  // Wrong types.
  invalidate('keys as a string', { keys: KEY }, 400),
  invalidate('keys of numbers', { keys: [1, 2] }, 400),
  invalidate('an empty key list', { keys: [] }, 400),
  invalidate('1,001 keys', { keys: Array.from({ length: 1001 }, (_, i) => `dev:marketing:p${i}:default`) }, 400),
  invalidate('prefix as a number', { prefix: 5 }, 400),
  invalidate('bump as a string', { surface: 'marketing', bump: 'yes' }, 400),
  invalidate('bump missing', { surface: 'marketing' }, 400),
  invalidate('event as a number', { event: 42 }, 400),
  invalidate('event data as a string', { event: 'article.published', data: 'launch' }, 400, 'invalid_event_data'),
  invalidate('event data missing a required field', { event: 'article.published', data: {} }, 400, 'invalid_event_data'),
  invalidate('event data of the wrong type', { event: 'article.published', data: { slug: 5 } }, 400, 'invalid_event_data'),
  invalidate('event data with an unknown field', { event: 'article.published', data: { slug: 'ok', extra: 1 } }, 400, 'invalid_event_data'),
  invalidate('prefix cursor not a number', { prefix: 'dev:marketing:', cursor: 'abc' }, 400),
  invalidate('prefix limit 0', { prefix: 'dev:marketing:', limit: 0 }, 400),
  // Unknown events and surfaces.
  invalidate('an unknown event', { event: 'article.exploded', data: { slug: 'x' } }, 422, 'unknown_event'),
  invalidate('an event named __proto__', { event: '__proto__' }, 422, 'unknown_event'),
  invalidate('an event named toString', { event: 'toString' }, 422, 'unknown_event'),
  invalidate('bump of an unknown surface', { surface: 'nope', bump: true }, 422, 'unknown_surface'),
  // Path traversal and glob characters.
  invalidate('a key with path traversal', { keys: ['dev:marketing:../../etc/passwd:default'] }, 400),
  invalidate('a key with a glob', { keys: ['dev:marketing:*:default'] }, 400),
  invalidate('a key with a character class', { keys: ['dev:marketing:[a-z]*:default'] }, 400),
  invalidate('a key of another environment', { keys: ['prod:marketing:about:default'] }, 400),
  invalidate('a generation key', { keys: ['dev:gen:marketing'] }, 400),
  invalidate('a key with a newline', { keys: ['dev:marketing:about:default\nFLUSHALL'] }, 400),
  invalidate('a key in upper case', { keys: ['dev:marketing:ABOUT:default'] }, 400),
  invalidate('a prefix of a whole environment', { prefix: 'dev:' }, 400),
  invalidate('a prefix that is a glob', { prefix: 'dev:*' }, 400),
  invalidate('a prefix of generation keys', { prefix: 'dev:gen:' }, 422, 'unknown_surface'),
  invalidate('a prefix of another environment', { prefix: 'prod:marketing:' }, 400),
  invalidate('a prefix with path traversal', { prefix: '../../dev:marketing:' }, 400),
  invalidate('a surface with path traversal', { surface: '../api', bump: true }, 422, 'unknown_surface'),
  invalidate('a surface that is a glob', { surface: '*', bump: true }, 422, 'unknown_surface'),
  invalidate('a surface in upper case', { surface: 'MARKETING', bump: true }, 422, 'unknown_surface'),
  invalidate('event data with path traversal', { event: 'article.published', data: { slug: '../../etc' } }, 400, 'invalid_event_data'),
  invalidate('event data with a glob', { event: 'article.published', data: { slug: 'blog*' } }, 400, 'invalid_event_data'),
  // Huge bodies.
  invalidate('a body over the admin limit (64 KB)', { keys: Array.from({ length: 900 }, (_, i) => `dev:marketing:${'p'.repeat(80)}${i}:default`) }, 413, 'payload_too_large'),
  // Bypass and allowlist.
  bypass('enabled as a string', { surface: 'marketing', enabled: 'yes' }, 400),
  bypass('a negative TTL', { surface: 'marketing', enabled: true, ttlSeconds: -1 }, 400),
  bypass('a fractional TTL', { surface: 'marketing', enabled: true, ttlSeconds: 1.5 }, 400),
  bypass('a TTL over a day', { surface: 'marketing', enabled: true, ttlSeconds: 1e9 }, 400),
  bypass('no surface', { enabled: true }, 400),
  bypass('a surface with path traversal', { surface: '../marketing', enabled: true }, 422, 'unknown_surface'),
  bypass('a surface that is a glob', { surface: 'market*', enabled: true }, 422, 'unknown_surface'),
  bypass('an unknown surface', { surface: 'nope', enabled: true }, 422, 'unknown_surface'),
  allowlist('not an IP', { ip: 'not-an-ip' }, 400),
  allowlist('a CIDR range', { ip: '10.0.0.0/8' }, 400),
  allowlist('an IP as a number', { ip: 2130706433 }, 400),
  allowlist('a TTL of 0', { ip: '198.51.100.7', ttlSeconds: 0 }, 400),
  // Query parameters, headers, methods and routes of the admin API.
  { name: 'status: a window that is not a duration', path: '/admin/status?window=abc', status: 400 },
  { name: 'status: a window over 31 days', path: '/admin/status?window=999d', status: 400 },
  { name: 'idempotency: a key with spaces', method: 'POST', path: '/admin/invalidate', body: { keys: [KEY] }, headers: { 'idempotency-key': 'has spaces in it' }, status: 400 },
  { name: 'idempotency: a 300-character key', method: 'POST', path: '/admin/invalidate', body: { keys: [KEY] }, headers: { 'idempotency-key': 'k'.repeat(300) }, status: 400 },
  { name: 'admin: GET on a POST route', path: '/admin/invalidate', status: 405, error: 'method_not_allowed' },
  { name: 'admin: DELETE on status', method: 'DELETE', path: '/admin/status', status: 405, error: 'method_not_allowed' },
  { name: 'admin: an unknown route', method: 'POST', path: '/admin/flushall', body: {}, status: 404 },
  { name: 'admin: headers over 16 KB', method: 'POST', path: '/admin/invalidate', body: { keys: [KEY] }, headers: { 'x-padding': 'p'.repeat(20_000) }, status: 431 },
  // Bad and missing tokens (on a request that would change something).
  { name: 'auth: no token', method: 'POST', path: '/admin/invalidate', body: { surface: 'marketing', bump: true }, token: null, status: 401 },
  { name: 'auth: a wrong token', method: 'POST', path: '/admin/invalidate', body: { surface: 'marketing', bump: true }, token: 'wrong', status: 401 },
  { name: 'auth: an empty bearer', method: 'POST', path: '/admin/invalidate', body: { surface: 'marketing', bump: true }, token: null, headers: { authorization: 'Bearer ' }, status: 401 },
  { name: 'auth: a valid token with a suffix', method: 'POST', path: '/admin/bypass', body: { surface: 'marketing', enabled: true }, token: 'suffix', status: 401 },
  { name: 'auth: an 8 KB token', method: 'POST', path: '/admin/bypass', body: { surface: 'marketing', enabled: true }, token: 't'.repeat(8192), status: 401 },
  { name: 'auth: a wrong X-API-Token', method: 'POST', path: '/admin/allowlist', body: { ip: '198.51.100.9' }, token: null, headers: { 'x-api-token': 'wrong' }, status: 401 },
  { name: 'auth: Basic instead of Bearer', method: 'POST', path: '/admin/invalidate', body: { surface: 'api', bump: true }, token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, status: 401 },
  { name: 'auth: /metrics without a token', path: '/metrics', token: null, status: 401 },
  { name: 'auth: /debug/cache without a token', path: `/debug/cache?key=${KEY}`, token: null, status: 401 },
  // The read path.
  readPath('an encoded slash', '/c/marketing/..%2fetc%2fpasswd', 400, 'bad_key'),
  readPath('dot segments (normalized away, so no route)', '/c/marketing/%2e%2e/%2e%2e/etc/passwd', 404, 'not_found'),
  readPath('a glob', '/c/marketing/blog*', 400, 'bad_key'),
  readPath('a character class', '/c/marketing/[a-z]', 400, 'bad_key'),
  readPath('upper case', '/c/marketing/Blog', 400, 'bad_key'),
  readPath('a NUL byte', '/c/marketing/a%00b', 400, 'bad_key'),
  readPath('a colon (the key separator)', '/c/marketing/a:b', 400, 'bad_key'),
  readPath('a 300-character segment', `/c/marketing/${'a'.repeat(300)}`, 400, 'bad_key'),
  readPath('an empty path', '/c/marketing/', 400, 'bad_key'),
  readPath('a path starting with // (not a host)', '//', 404, 'not_found'),
  readPath('a read path behind //', '///c/marketing/about', 404, 'not_found'),
  readPath('a reserved surface name', '/c/gen/marketing', 404, 'unknown_surface'),
  readPath('a surface in upper case', '/c/MARKETING/about', 404, 'unknown_surface'),
  readPath('headers over 16 KB', '/c/marketing/about', 431, 'headers_too_large', { 'x-padding': 'p'.repeat(20_000) }),
  // Each distinct vary value is an entry of its own: a long one would fill the cache with junk copies.
  readPath('an 8 KB Accept-Language (a vary header)', '/c/marketing/about', 400, 'bad_key', { 'accept-language': 'x'.repeat(8_000) }),
  readPath('a 1 KB lang= (a vary query parameter)', `/c/marketing/about?lang=${'x'.repeat(1_000)}`, 400, 'bad_key'),
  { name: 'read: POST', method: 'POST', path: '/c/marketing/about', body: {}, token: null, status: 405, error: 'method_not_allowed' },
  { name: 'read: an unknown route', path: '/etc/passwd', token: null, status: 404, error: 'not_found' },
  { name: 'debug: no key', path: '/debug/cache', status: 400 },
  { name: 'debug: a key with path traversal', path: '/debug/cache?key=../../etc/passwd', status: 400 },
  { name: 'debug: a glob key', path: '/debug/cache?key=dev:marketing:*:default', status: 400 },
  { name: 'debug: a key of another environment', path: '/debug/cache?key=prod:marketing:about:default', status: 400 },
];

beforeAll(async () => {
  stack = await startStack();
  // Something to lose: entries on both surfaces, a resource generation, an invalidation log entry.
  for (const path of ['/c/marketing/about', '/c/marketing/blog/launch', '/c/api/articles', '/c/api/plans']) {
    expect((await send(`${stack.url}${path}`)).status).toBe(200);
  }
  const bumped = await send(`${stack.url}/admin/invalidate`, {
    method: 'POST', body: { event: 'pricing.changed', data: {} }, headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  expect(bumped.status).toBe(200);
  await send(`${stack.url}/c/marketing/pricing`);
}, 30_000);

afterAll(async () => {
  await stack?.close();
});

function request(c: Case): SendOptions {
  const headers: Record<string, string> = { ...c.headers };
  const token = c.token === undefined ? (c.path.startsWith('/admin') || c.path.startsWith('/debug') || c.path === '/metrics' ? 'valid' : null) : c.token;
  const operator = c.path.startsWith('/debug') || c.path === '/metrics';
  if (token === 'valid') headers.authorization = `Bearer ${operator ? stack.metricsToken : validToken()}`;
  else if (token === 'suffix') headers.authorization = `Bearer ${validToken()}x`;
  else if (token !== null) headers.authorization = `Bearer ${token}`;
  return { method: c.method ?? 'GET', headers, ...(c.body !== undefined ? { body: c.body } : {}) };
}

describe('bad input gets a 4xx JSON error and changes nothing', () => {
  it('the table names distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cacheBefore = await snapshot(stack.cacheDb);
    const guardrailsBefore = await snapshot(stack.guardrailsDb, COUNTING_KEYS);
    const originBefore = stack.origin.requests();

    const res = await send(`${stack.url}${c.path}`, request(c));

    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toEqual({ error: c.error ?? expect.any(String), message: expect.any(String) });
    expect((body.message as string).length).toBeGreaterThan(0);
    expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack traces
    expect(await snapshot(stack.cacheDb)).toEqual(cacheBefore);
    expect(await snapshot(stack.guardrailsDb, COUNTING_KEYS)).toEqual(guardrailsBefore);
    expect(stack.origin.requests()).toBe(originBefore);
  });

  // Keys never hold glob characters: a prefix with one is refused, so a wildcard attempt can
  // neither purge more than meant nor pass for "nothing matched".
  it.each(['dev:marketing:*', 'dev:marketing:blog*', 'dev:marketing:[a-z]', 'dev:marketing:?', 'dev:api:\\*'])(
    'a prefix purge of %s gets 400 JSON and deletes no entry', async (prefix) => {
      const cacheBefore = await snapshot(stack.cacheDb);
      expect(Object.keys(cacheBefore).length).toBeGreaterThan(3);
      const res = await send(`${stack.url}/admin/invalidate`, { method: 'POST', body: { prefix }, headers: { authorization: `Bearer ${validToken()}` } });
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/glob character/) });
      expect(await snapshot(stack.cacheDb)).toEqual(cacheBefore);
    });

  it('a body over the dev server limit (10 MB) gets 413 JSON and changes nothing', async () => {
    const cacheBefore = await snapshot(stack.cacheDb);
    const res = await send(`${stack.url}/admin/invalidate`, {
      method: 'POST', body: Buffer.alloc(11 * 1024 * 1024, 0x20), headers: { authorization: `Bearer ${validToken()}`, 'content-type': 'application/json' },
    }).catch((e: Error) => e);
    // The server may answer before reading the whole upload and close the connection: then the
    // client sees a reset, which is also a refusal. When an answer arrives, it is the JSON 413.
    if (!(res instanceof Error)) {
      expect(res.status).toBe(413);
      expect(res.json()).toMatchObject({ error: 'payload_too_large' });
    }
    expect(await snapshot(stack.cacheDb)).toEqual(cacheBefore);
  });
});
