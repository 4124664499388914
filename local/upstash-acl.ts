/**
 * Redis ACL users behind REST tokens, as Upstash offers them: `ACL GENTOKEN <user>` (a new password
 * for the user that is also a REST token) and `ACL RESTTOKEN <user> <password>` (a REST token for a
 * user and password) are answered here, since Redis has no such subcommands. Requests with such a
 * token run on connections logged in as that user, so Redis itself enforces the user's permissions.
 *
 * Revocation: changing or deleting a user through this server (`ACL SETUSER`/`ACL DELUSER`) makes
 * its tokens log in afresh at once, so a removed password means 401 on the next request. Changes made
 * straight on Redis take effect when a connection of that user drops.
 */
import Redis from 'ioredis';
import { ConnectionPool, isConnectionError, type ConnectionPoolOptions } from './upstash-connections';
import { BadRequestError } from './upstash-encoding';
import { newToken, type Principal, type TokenRegistry } from './upstash-tokens';

/** Thrown when a REST token can no longer log in (→ HTTP 401). */
export class TokenRejectedError extends Error {}

/** Thrown when Redis cannot be reached (→ HTTP 503). */
export class RedisUnavailableError extends Error {}

export function isAclMint(args: readonly string[]): boolean {
  return args[0] === 'ACL' && ['GENTOKEN', 'RESTTOKEN'].includes((args[1] ?? '').toUpperCase());
}

export class AclSessions {
  private readonly pools = new Map<string, Promise<ConnectionPool>>();

  constructor(
    private readonly tokens: TokenRegistry,
    private readonly poolOptions: ConnectionPoolOptions,
    private readonly defaultPool: ConnectionPool,
  ) {}

  /** The connections a principal's requests run on. */
  pool(principal: Principal): Promise<ConnectionPool> {
    if (principal.kind !== 'acl') return Promise.resolve(this.defaultPool);
    const key = `${principal.username}\u0000${principal.password}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = (async () => {
        try {
          await this.verifyLogin(principal.username, principal.password);
        } catch (err) {
          if (isConnectionError(err)) throw new RedisUnavailableError(`ERR Redis unavailable: ${(err as Error).message}`);
          throw new TokenRejectedError('the ACL user behind this token can no longer log in');
        }
        return ConnectionPool.open({ ...this.poolOptions, shared: 1, username: principal.username, password: principal.password });
      })();
      this.pools.set(key, pool);
      pool.catch(() => this.pools.delete(key));
    }
    return pool;
  }

  /** Answers `ACL GENTOKEN` / `ACL RESTTOKEN`; `conn` is the caller's, so Redis checks its rights. */
  async mint(conn: Redis, args: readonly string[]): Promise<Buffer> {
    if (args[1].toUpperCase() === 'GENTOKEN') {
      if (args.length !== 3) throw new BadRequestError("ERR wrong number of arguments for 'acl|gentoken' command, use ACL GENTOKEN <user>");
      const username = args[2];
      if ((await conn.call('ACL', 'GETUSER', username)) === null) throw new BadRequestError(`ERR User '${username}' does not exist`);
      const token = newToken();
      await conn.call('ACL', 'SETUSER', username, `>${token}`);
      this.tokens.addAclToken(token, username, token);
      return Buffer.from(token);
    }
    if (args.length !== 4) throw new BadRequestError("ERR wrong number of arguments for 'acl|resttoken' command, use ACL RESTTOKEN <user> <password>");
    const [, , username, password] = args;
    try {
      await this.verifyLogin(username, password);
    } catch (err) {
      if (isConnectionError(err)) throw err;
      throw new BadRequestError('WRONGPASS invalid username-password pair or user is disabled.');
    }
    const token = newToken();
    this.tokens.addAclToken(token, username, password);
    return Buffer.from(token);
  }

  /** After an ACL command ran: users it changed log in afresh, deleted users lose their tokens. */
  async afterCommand(args: readonly string[]): Promise<void> {
    if (args[0] !== 'ACL') return;
    const sub = (args[1] ?? '').toUpperCase();
    if (sub === 'SETUSER' && args[2] !== undefined) await this.forget([args[2]]);
    if (sub === 'DELUSER') {
      const users = args.slice(2);
      users.forEach((user) => this.tokens.revokeUser(user));
      await this.forget(users);
    }
  }

  /** Drops the cached connections of these users; their next request logs in again. */
  async forget(usernames: readonly string[]): Promise<void> {
    const names = new Set(usernames);
    const closing: Promise<void>[] = [];
    for (const [key, pool] of this.pools) {
      if (names.has(key.slice(0, key.indexOf('\u0000')))) {
        this.pools.delete(key);
        closing.push(pool.then((p) => p.close(), () => undefined));
      }
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.then((pool) => pool.close(), () => undefined)));
  }

  private async verifyLogin(username: string, password: string): Promise<void> {
    const probe = new Redis(this.poolOptions.redisUrl, {
      lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, disconnectTimeout: 100,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.call('AUTH', username, password);
    } finally {
      probe.disconnect();
    }
  }
}
