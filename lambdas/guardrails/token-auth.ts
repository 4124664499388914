import { createHash, timingSafeEqual } from 'node:crypto';
import { checkApiToken, tokenFingerprint } from '../shared/api-tokens';
import { NOOP_METRICS, type MetricsRecorder } from '../shared/metrics/recorder';
import { EnvironmentVariables } from '../shared/environment-variables';
import { header, jsonError, type Headers, type HttpResult } from '../shared/http';

export type AuthFailureReason = 'missing' | 'invalid';
/**
 * The kinds of caller, each with its own tokens in its own secret: `admin` (the admin routes),
 * `read` (`/c/...` when `READ_REQUIRES_AUTH`), `metrics` (`/metrics` unless public, `/debug/cache`).
 * A token of one kind is never accepted for another.
 */
export type TokenKind = 'admin' | 'read' | 'metrics';
/**
 * `identity` names the credential that was accepted (its fingerprint), never the token: what the
 * audit log, the rate limit and idempotency are keyed on.
 */
export type AuthResult = { readonly ok: true; readonly identity: string } | { readonly ok: false; readonly reason: AuthFailureReason };

export interface TokenAuthenticatorOptions {
  /**
   * The currently valid tokens of this kind; several during a rotation overlap. Called on every
   * request, so the source should cache (the Secrets Manager reader does; {@link tokensFromEnv} locally).
   */
  readonly tokens: () => Promise<readonly string[]>;
  /** Which kind of token this checks (named in 401 messages). @default 'admin' */
  readonly kind?: TokenKind;
  /** Counts `cache_auth_failures_total{reason}`. @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
}

const BEARER_SCHEME = /^Bearer(?:[ \t]|$)/i;
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Checks `Authorization: Bearer <token>` or `X-API-Token: <token>` against the valid tokens in
 * constant time: both sides are hashed to 32 bytes first, so neither the content nor the length of a
 * valid token shows in the timing, and every valid token is compared (no early exit on a match).
 * A Bearer header decides alone, even beside an `X-API-Token`, and a malformed one is refused, so a
 * request never carries two candidate identities. Other `Authorization` schemes (the SigV4 signature
 * API Gateway checks) are left to the gateway. Tokens are never logged or echoed.
 */
export class TokenAuthenticator {
  private readonly tokens: () => Promise<readonly string[]>;
  private readonly metrics: MetricsRecorder;
  readonly kind: TokenKind;

  constructor(options: TokenAuthenticatorOptions) {
    this.tokens = options.tokens;
    this.kind = options.kind ?? 'admin';
    this.metrics = options.metrics ?? NOOP_METRICS;
  }

  /** Rejects only when the token source fails (a server problem, not the caller's). */
  async authenticate(headers: Headers | undefined): Promise<AuthResult> {
    const presented = presentedToken(headers);
    if (presented === undefined) return this.fail('missing');
    if (presented === null) return this.fail('invalid');
    const valid = await this.tokens();
    const presentedDigest = digest(presented);
    let matched = 0;
    for (const token of valid) {
      if (token.length > 0) matched |= timingSafeEqual(presentedDigest, digest(token)) ? 1 : 0;
    }
    return matched === 1 ? { ok: true, identity: tokenFingerprint(presented) } : this.fail('invalid');
  }

  private fail(reason: AuthFailureReason): AuthResult {
    this.metrics.increment('cache_auth_failures_total', { reason });
    return { ok: false, reason };
  }
}

/** 401 with `WWW-Authenticate: Bearer`; says what was wrong, never what was sent. */
export function unauthorizedResponse(reason: AuthFailureReason, kind: TokenKind = 'admin'): HttpResult {
  const message = reason === 'missing'
    ? `${kind === 'admin' ? 'an' : 'a'} ${kind} token is required: send Authorization: Bearer <token> or X-API-Token`
    : `the ${kind} token is not valid`;
  return jsonError(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer' });
}

/** Local variable of each kind's tokens (comma-separated during a rotation overlap). */
export const TOKEN_ENV: Readonly<Record<TokenKind, string>> = { admin: 'ADMIN_TOKEN', read: 'READ_TOKEN', metrics: 'METRICS_TOKEN' };

/**
 * Local token source: `ADMIN_TOKEN`, `READ_TOKEN` or `METRICS_TOKEN`, several separated by commas
 * during a rotation overlap, each at least 32 characters. Fails loudly when unset rather than letting
 * every request through or refusing them all silently.
 */
export function tokensFromEnv(kind: TokenKind, env: NodeJS.ProcessEnv = process.env): () => Promise<string[]> {
  const variable = TOKEN_ENV[kind];
  return async () => {
    const tokens = (env[variable] ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
    if (tokens.length === 0) throw new Error(`${variable} is not set: no ${kind} token is configured`);
    return tokens.map((token) => checkApiToken(token, variable));
  };
}

/**
 * `READ_REQUIRES_AUTH`: whether the cache read path asks for a read token.
 * Unset means public reads; anything but true/false/1/0 is a configuration error.
 */
export function readRequiresAuth(env: NodeJS.ProcessEnv = process.env): boolean {
  return new EnvironmentVariables(env).flag('READ_REQUIRES_AUTH');
}

/** undefined: no credential sent; null: a credential in the wrong shape; else the token. */
function presentedToken(headers: Headers | undefined): string | undefined | null {
  const authorization = header(headers, 'authorization')?.trim();
  if (authorization && BEARER_SCHEME.test(authorization)) return BEARER.exec(authorization)?.[1] ?? null;
  return header(headers, 'x-api-token')?.trim() || undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
