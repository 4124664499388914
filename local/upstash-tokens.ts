/**
 * REST tokens of one local database: the standard and read-only tokens (replaceable, as a password
 * reset through the Developer API does), and tokens minted for Redis ACL users by `ACL GENTOKEN` /
 * `ACL RESTTOKEN`, which make requests run as that ACL user.
 */
import { randomBytes } from 'node:crypto';

export type Principal =
  | { readonly kind: 'standard' }
  | { readonly kind: 'read-only' }
  | { readonly kind: 'acl'; readonly username: string; readonly password: string };

/** A token in the shape Upstash uses (opaque base64 text). */
export function newToken(): string {
  return `AX${randomBytes(30).toString('base64url')}`;
}

export class TokenRegistry {
  private standard: string;
  private readOnly: string;
  private readonly acl = new Map<string, { username: string; password: string }>();

  constructor(standard: string, readOnly: string) {
    TokenRegistry.check(standard, readOnly);
    this.standard = standard;
    this.readOnly = readOnly;
  }

  private static check(standard: string, readOnly: string): void {
    if (!standard || !readOnly) throw new Error('tokens must be non-empty strings');
    if (standard === readOnly) throw new Error('the standard and read-only tokens must differ');
  }

  get token(): string { return this.standard; }
  get readOnlyToken(): string { return this.readOnly; }

  /** Replaces the default tokens; the previous ones stop working at once. */
  set(next: { token?: string; readOnlyToken?: string }): void {
    const standard = next.token ?? this.standard;
    const readOnly = next.readOnlyToken ?? this.readOnly;
    TokenRegistry.check(standard, readOnly);
    this.standard = standard;
    this.readOnly = readOnly;
  }

  /** Registers a REST token that runs as a Redis ACL user authenticated with `password`. */
  addAclToken(token: string, username: string, password: string): void {
    this.acl.set(token, { username, password });
  }

  /** Revokes one token minted for an ACL user; returns whether it existed. */
  revoke(token: string): boolean {
    return this.acl.delete(token);
  }

  /** Revokes every token minted for `username`; returns how many. */
  revokeUser(username: string): number {
    let count = 0;
    for (const [token, entry] of this.acl) {
      if (entry.username === username) {
        this.acl.delete(token);
        count++;
      }
    }
    return count;
  }

  resolve(token: string | undefined): Principal | undefined {
    if (!token) return undefined;
    if (token === this.standard) return { kind: 'standard' };
    if (token === this.readOnly) return { kind: 'read-only' };
    const entry = this.acl.get(token);
    return entry ? { kind: 'acl', ...entry } : undefined;
  }
}
