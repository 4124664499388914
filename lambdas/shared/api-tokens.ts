/**
 * Rules every HTTP API token follows (admin, read and metrics tokens): long enough to resist guessing,
 * checked when a token is written (CLI, dev server) and again when a function loads it, and named in
 * logs and audit entries only by a fingerprint.
 */
import { createHash, randomBytes } from 'node:crypto';

/** 32 characters of a random base64url token carry 192 bits. */
export const MIN_API_TOKEN_LENGTH = 32;

export class WeakTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeakTokenError';
  }
}

/** Throws unless `token` is at least 32 visible ASCII characters; the message never quotes it. */
export function checkApiToken(token: string, where: string): string {
  if (token.length < MIN_API_TOKEN_LENGTH) {
    throw new WeakTokenError(`${where}: a token must be at least ${MIN_API_TOKEN_LENGTH} characters, got one of ${token.length}`);
  }
  if (!/^[\x21-\x7e]+$/.test(token)) throw new WeakTokenError(`${where}: a token must be visible ASCII characters only`);
  return token;
}

/** A fresh token: 32 random bytes, base64url (43 characters). */
export function generateApiToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Names a token without revealing it (`tok_` + 12 hex of its SHA-256). */
export function tokenFingerprint(token: string): string {
  return `tok_${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}
