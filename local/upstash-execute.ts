/**
 * Runs REST commands on Redis the way Upstash does: one command, a pipeline (in order on one
 * connection, not atomic) or a transaction (MULTI/EXEC on a connection no one else uses), after
 * checking what the caller's token may run.
 */
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { AclSessions, isAclMint, RedisUnavailableError, TokenRejectedError } from './upstash-acl';
import type { CommandTable } from './upstash-commands';
import { isConnectionError } from './upstash-connections';
import { BadRequestError, encodeReply, type JsonReply } from './upstash-encoding';
import { rewriteScriptCommand } from './upstash-scripts';
import type { Principal } from './upstash-tokens';

/** A command's outcome inside a pipeline or transaction. */
export type Entry = { result: JsonReply } | { error: string };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Command names upper-cased (ioredis applies reply transformers to lower-case names, e.g. HGETALL),
 * FLUSHALL as FLUSHDB (the REST database is one logical database of the Redis server), and scripts
 * made acceptable to redis-server (`./upstash-scripts.ts`).
 */
function normalize(raw: readonly string[]): string[] {
  const args = [raw[0].toUpperCase(), ...raw.slice(1)];
  if (args[0] === 'FLUSHALL') args[0] = 'FLUSHDB';
  return rewriteScriptCommand(args);
}

/** SCRIPT LOAD answers the SHA1 of the script as the client sent it, as Upstash does. */
function scriptLoadSha(raw: readonly string[]): Buffer | undefined {
  if (raw[0].toUpperCase() !== 'SCRIPT' || (raw[1] ?? '').toUpperCase() !== 'LOAD' || raw[2] === undefined) return undefined;
  return Buffer.from(createHash('sha1').update(raw[2]).digest('hex'));
}

/** Errors that are not about the command: Redis is down, or the caller's login no longer works. */
function raiseIfNotCommandError(err: unknown): void {
  if (err instanceof BadRequestError || err instanceof TokenRejectedError || err instanceof RedisUnavailableError) throw err;
  if (isConnectionError(err)) throw new RedisUnavailableError(`ERR Redis unavailable: ${errorMessage(err)}`);
  if (/^(WRONGPASS|NOAUTH)/.test(errorMessage(err))) throw new TokenRejectedError(errorMessage(err));
}

export class CommandExecutor {
  constructor(private readonly table: CommandTable, private readonly acl: AclSessions) {}

  /** Why this principal may not run this command, or undefined when it may. */
  private refusal(principal: Principal, args: readonly string[]): string | undefined {
    const refused = this.table.refusal(args);
    if (refused) return refused;
    if (principal.kind === 'read-only' && (isAclMint(args) || !this.table.allowedReadOnly(args))) {
      return `NOPERM this user has no permissions to run the '${args[0].toLowerCase()}' command`;
    }
    return undefined;
  }

  /** Runs one checked command on `conn`, with the ACL interceptions and their after-effects. */
  private async run(conn: Redis, args: string[]): Promise<unknown> {
    if (isAclMint(args)) return this.acl.mint(conn, args);
    const reply = await conn.callBuffer(args[0], ...args.slice(1));
    await this.acl.afterCommand(args);
    return reply;
  }

  async single(principal: Principal, raw: readonly string[], base64: boolean): Promise<JsonReply> {
    const args = normalize(raw);
    const refused = this.refusal(principal, args);
    if (refused) throw new BadRequestError(refused);
    const pool = await this.acl.pool(principal);
    try {
      const reply = this.table.isBlocking(args)
        ? await pool.exclusive((conn) => this.run(conn, args))
        : await this.run(pool.sharedConnection(), args);
      return encodeReply(scriptLoadSha(raw) ?? reply, base64);
    } catch (err) {
      raiseIfNotCommandError(err);
      throw new BadRequestError(errorMessage(err));
    }
  }

  async pipeline(principal: Principal, raws: readonly (readonly string[])[], base64: boolean): Promise<Entry[]> {
    const commands = raws.map(normalize);
    const refusals = commands.map((args) => this.refusal(principal, args));
    const pool = await this.acl.pool(principal);
    const execute = async (conn: Redis): Promise<PromiseSettledResult<unknown>[]> => {
      if (commands.some((args) => args[0] === 'ACL')) {
        // Token minting and credential changes take effect in order, so run one after another.
        const settled: PromiseSettledResult<unknown>[] = [];
        for (const [i, args] of commands.entries()) {
          try {
            settled.push({ status: 'fulfilled', value: refusals[i] ? undefined : await this.run(conn, args) });
          } catch (reason) {
            settled.push({ status: 'rejected', reason });
          }
        }
        return settled;
      }
      // Sent back to back on one connection: Redis runs them in order, not atomically.
      return Promise.allSettled(commands.map((args, i) => (refusals[i] ? Promise.resolve(undefined) : this.run(conn, args))));
    };
    const settled = commands.some((args) => this.table.isBlocking(args))
      ? await pool.exclusive(execute)
      : await execute(pool.sharedConnection());
    return settled.map((outcome, i): Entry => {
      const refused = refusals[i];
      if (refused) return { error: refused };
      if (outcome.status === 'fulfilled') return { result: encodeReply(scriptLoadSha(raws[i]) ?? outcome.value, base64) };
      if (!(outcome.reason instanceof BadRequestError)) raiseIfNotCommandError(outcome.reason);
      return { error: errorMessage(outcome.reason) };
    });
  }

  async multiExec(principal: Principal, raws: readonly (readonly string[])[], base64: boolean): Promise<Entry[]> {
    const commands = raws.map(normalize);
    for (const args of commands) {
      const refused = this.refusal(principal, args);
      if (refused) throw new BadRequestError(refused);
      if (isAclMint(args)) throw new BadRequestError(`ERR ACL ${args[1].toUpperCase()} cannot run inside a transaction`);
    }
    const pool = await this.acl.pool(principal);
    const entries = await pool.exclusive(async (conn) => {
      // MULTI, the commands and EXEC go out back to back on a connection no one else uses.
      const settled = await Promise.allSettled([
        conn.callBuffer('MULTI'),
        ...commands.map((args) => conn.callBuffer(args[0], ...args.slice(1))),
        conn.callBuffer('EXEC'),
      ]);
      for (const outcome of settled) {
        if (outcome.status === 'rejected' && isConnectionError(outcome.reason)) raiseIfNotCommandError(outcome.reason);
      }
      const exec = settled[settled.length - 1];
      if (exec.status === 'rejected') {
        // Rejected as a whole (EXECABORT): name the command that made Redis discard it.
        const queueError = settled.slice(1, -1).find((o) => o.status === 'rejected');
        const detail = queueError?.status === 'rejected' ? `: ${errorMessage(queueError.reason)}` : '';
        raiseIfNotCommandError(exec.reason);
        throw new BadRequestError(`${errorMessage(exec.reason)}${detail}`);
      }
      return (exec.value as unknown[]).map((reply, i): Entry => (reply instanceof Error
        ? { error: reply.message }
        : { result: encodeReply(scriptLoadSha(raws[i]) ?? reply, base64) }));
    });
    for (const args of commands) await this.acl.afterCommand(args);
    return entries;
  }
}
