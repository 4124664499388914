import fc from 'fast-check';
import {
  TokenAuthenticator, tokensFromEnv, readRequiresAuth, unauthorizedResponse,
} from '../../lambdas/guardrails/token-auth';
import { tokenFingerprint } from '../../lambdas/shared/api-tokens';
import { RecordingMetrics } from '../support/recording-metrics';

const CURRENT = 'tok_current_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const PREVIOUS = 'tok_previous_0a1b2c3d4e5f60718293a4b5c6d7e8f9';

const asCurrent = { ok: true, identity: tokenFingerprint(CURRENT) };
const asPrevious = { ok: true, identity: tokenFingerprint(PREVIOUS) };

function setup(tokens: string[] = [CURRENT]) {
  const metrics = new RecordingMetrics();
  let reads = 0;
  const auth = new TokenAuthenticator({
    tokens: async () => { reads++; return tokens; },
    metrics,
  });
  return { auth, metrics, reads: () => reads };
}

describe('TokenAuthenticator', () => {
  it('accepts the token as Authorization: Bearer, in any header case and scheme case', async () => {
    const { auth, metrics } = setup();
    await expect(auth.authenticate({ authorization: `Bearer ${CURRENT}` })).resolves.toEqual(asCurrent);
    await expect(auth.authenticate({ Authorization: `bearer  ${CURRENT}` })).resolves.toEqual(asCurrent);
    expect(metrics.counter('cache_auth_failures_total', { reason: 'invalid' })).toBe(0);
  });

  it('accepts the token as X-API-Token', async () => {
    const { auth } = setup();
    await expect(auth.authenticate({ 'x-api-token': CURRENT })).resolves.toEqual(asCurrent);
    await expect(auth.authenticate({ 'X-API-Token': CURRENT })).resolves.toEqual(asCurrent);
  });

  it('accepts every token of a rotation overlap, each with its own identity, and reads the source on each request', async () => {
    const { auth, reads } = setup([CURRENT, PREVIOUS]);
    await expect(auth.authenticate({ authorization: `Bearer ${PREVIOUS}` })).resolves.toEqual(asPrevious);
    await expect(auth.authenticate({ authorization: `Bearer ${CURRENT}` })).resolves.toEqual(asCurrent);
    expect(reads()).toBe(2);
  });

  it('refuses and counts a request with no credential as missing', async () => {
    const { auth, metrics } = setup();
    await expect(auth.authenticate({})).resolves.toEqual({ ok: false, reason: 'missing' });
    await expect(auth.authenticate(undefined)).resolves.toEqual({ ok: false, reason: 'missing' });
    await expect(auth.authenticate({ 'x-api-token': '   ' })).resolves.toEqual({ ok: false, reason: 'missing' });
    expect(metrics.counter('cache_auth_failures_total', { reason: 'missing' })).toBe(3);
    expect(metrics.counter('cache_auth_failures_total', { reason: 'invalid' })).toBe(0);
  });

  it('refuses and counts wrong tokens, wrong schemes and timing-varied near misses as invalid', async () => {
    const { auth, metrics } = setup([CURRENT, PREVIOUS]);
    const nearMisses = [
      'wrong',
      CURRENT.slice(0, -1), // a prefix
      `${CURRENT}x`, // a longer token sharing the whole prefix
      `${CURRENT.slice(0, -1)}${CURRENT.endsWith('0') ? '1' : '0'}`, // last character differs
      `x${CURRENT.slice(1)}`, // first character differs
      CURRENT.toUpperCase(),
      'a'.repeat(10_000),
      '',
    ];
    for (const token of nearMisses.filter((t) => t.length > 0)) {
      await expect(auth.authenticate({ authorization: `Bearer ${token}` })).resolves.toEqual({ ok: false, reason: 'invalid' });
      await expect(auth.authenticate({ 'x-api-token': token })).resolves.toEqual({ ok: false, reason: 'invalid' });
    }
    await expect(auth.authenticate({ authorization: `Bearer ${CURRENT} extra` })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(auth.authenticate({ authorization: 'Bearer' })).resolves.toEqual({ ok: false, reason: 'invalid' });
    expect(metrics.counter('cache_auth_failures_total', { reason: 'invalid' })).toBe((nearMisses.length - 1) * 2 + 2);
  });

  it('refuses any generated token that is not a valid one, whatever its length', async () => {
    const { auth, metrics } = setup([CURRENT, PREVIOUS]);
    let refused = 0;
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), fc.constantFrom(CURRENT, PREVIOUS).chain((t) =>
        fc.tuple(fc.nat(t.length - 1), fc.string({ minLength: 1, maxLength: 3 })).map(([cut, tail]) => t.slice(0, cut) + tail))),
      async (candidate) => {
        fc.pre(candidate.trim().length > 0 && !/\s/.test(candidate) && candidate !== CURRENT && candidate !== PREVIOUS);
        await expect(auth.authenticate({ 'x-api-token': candidate })).resolves.toEqual({ ok: false, reason: 'invalid' });
        refused++;
      },
    ), { numRuns: 300 });
    expect(metrics.counter('cache_auth_failures_total', { reason: 'invalid' })).toBe(refused);
  });

  it('leaves other Authorization schemes (a SigV4 signature) to the gateway and reads X-API-Token beside them', async () => {
    const { auth } = setup();
    const sigv4 = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20270101/eu-central-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
    await expect(auth.authenticate({ authorization: sigv4, 'x-api-token': CURRENT })).resolves.toEqual(asCurrent);
    await expect(auth.authenticate({ authorization: 'Basic Zm9vOmJhcg==', 'x-api-token': CURRENT })).resolves.toEqual(asCurrent);
    await expect(auth.authenticate({ authorization: sigv4 })).resolves.toEqual({ ok: false, reason: 'missing' });
  });

  it('lets a Bearer header decide alone: a malformed or wrong one beside a valid X-API-Token is refused', async () => {
    const { auth } = setup();
    await expect(auth.authenticate({ authorization: 'Bearer x y', 'x-api-token': CURRENT })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(auth.authenticate({ authorization: 'Bearer someone-else', 'x-api-token': CURRENT })).resolves.toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses everything when the source has no usable token', async () => {
    const { auth } = setup(['']);
    await expect(auth.authenticate({ authorization: 'Bearer x' })).resolves.toEqual({ ok: false, reason: 'invalid' });
  });

  it('rejects (a server error, not a 401) when the token source fails', async () => {
    const auth = new TokenAuthenticator({ tokens: () => Promise.reject(new Error('secrets manager unreachable')) });
    await expect(auth.authenticate({ authorization: `Bearer ${CURRENT}` })).rejects.toThrow(/unreachable/);
  });

  it('never writes a token to the console', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m).mockImplementation(() => undefined));
    try {
      const { auth } = setup();
      await auth.authenticate({ authorization: 'Bearer sent-by-attacker' });
      await auth.authenticate({ authorization: `Bearer ${CURRENT}` });
      const written = spies.flatMap((s) => s.mock.calls.flat()).map(String).join('\n');
      expect(written).not.toContain('sent-by-attacker');
      expect(written).not.toContain(CURRENT);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  });

  it('answers 401 JSON with WWW-Authenticate and no echo of the token', () => {
    const res = unauthorizedResponse('invalid');
    expect(res.statusCode).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer');
    expect(JSON.parse(res.body as string)).toEqual({ error: 'unauthorized', message: expect.any(String) });
    expect(JSON.parse(unauthorizedResponse('missing').body as string).message).toMatch(/Authorization: Bearer/);
  });
});

describe('tokensFromEnv', () => {
  it('reads READ_TOKEN and METRICS_TOKEN for the other kinds, never ADMIN_TOKEN', async () => {
    await expect(tokensFromEnv('read', { ADMIN_TOKEN: CURRENT })()).rejects.toThrow(/READ_TOKEN is not set: no read token is configured/);
    await expect(tokensFromEnv('metrics', { METRICS_TOKEN: PREVIOUS, ADMIN_TOKEN: CURRENT })()).resolves.toEqual([PREVIOUS]);
  });

  it('names the kind of token in a 401', () => {
    expect(JSON.parse(unauthorizedResponse('missing', 'read').body as string).message).toMatch(/^a read token is required/);
    expect(JSON.parse(unauthorizedResponse('invalid', 'metrics').body as string).message).toBe('the metrics token is not valid');
  });

  it('refuses a token shorter than 32 characters when it is loaded, without quoting it', async () => {
    await expect(tokensFromEnv('admin', { ADMIN_TOKEN: `${CURRENT},short-token` })()).rejects.toThrow('ADMIN_TOKEN: a token must be at least 32 characters, got one of 11');
  });

  it('reads ADMIN_TOKEN, several separated by commas', async () => {
    await expect(tokensFromEnv('admin', { ADMIN_TOKEN: ` ${CURRENT} , ${PREVIOUS},` })()).resolves.toEqual([CURRENT, PREVIOUS]);
  });

  it('fails clearly when ADMIN_TOKEN is unset or empty', async () => {
    await expect(tokensFromEnv('admin', {})()).rejects.toThrow(/ADMIN_TOKEN is not set/);
    await expect(tokensFromEnv('admin', { ADMIN_TOKEN: ' , ' })()).rejects.toThrow(/ADMIN_TOKEN is not set/);
  });
});

describe('READ_REQUIRES_AUTH', () => {
  it('parses true/false/1/0 and defaults to public reads', () => {
    expect(readRequiresAuth({})).toBe(false);
    expect(readRequiresAuth({ READ_REQUIRES_AUTH: 'false' })).toBe(false);
    expect(readRequiresAuth({ READ_REQUIRES_AUTH: '0' })).toBe(false);
    expect(readRequiresAuth({ READ_REQUIRES_AUTH: 'TRUE' })).toBe(true);
    expect(readRequiresAuth({ READ_REQUIRES_AUTH: '1' })).toBe(true);
  });

  it('rejects any other value naming it', () => {
    expect(() => readRequiresAuth({ READ_REQUIRES_AUTH: 'yes please' })).toThrow(/READ_REQUIRES_AUTH must be true or false, got "yes please"/);
  });
});
