/**
 * What a command may do, derived from Redis's own `COMMAND` metadata (flags, key positions,
 * subcommands) rather than a hand-kept list: which commands a read-only token may run, which block,
 * which are refused for everyone because they change per-connection state the REST model has none of.
 */
import type Redis from 'ioredis';

interface CommandSpec {
  readonly flags: ReadonlySet<string>;
  readonly firstKey: number;
  readonly subcommands: ReadonlyMap<string, CommandSpec>;
}

/**
 * Connection-state commands: over REST every request may land on another pooled connection, so these
 * cannot mean anything (Upstash refuses them too). Transactions go through `/multi-exec` instead.
 */
const CONNECTION_STATE = new Set([
  'select', 'multi', 'exec', 'discard', 'watch', 'unwatch', 'auth', 'hello', 'reset', 'quit', 'client',
  'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'monitor',
  'swapdb', 'move', 'sync', 'psync', 'readonly', 'readwrite', 'asking', 'replconf',
]);

/** The read-only token refuses these although Redis flags them read-only (Upstash does the same). */
const READ_ONLY_REFUSED = new Set(['scan', 'keys']);

/** Administrative commands still allowed: ACL users are needed for credential rotation. */
const ADMIN_ALLOWED = new Set(['acl']);

function parseSpec(entry: unknown[]): [string, CommandSpec] {
  const [name, , flags, firstKey, , , , , , subcommands] = entry as [
    string, number, string[], number, number, number, string[], string[], unknown[], unknown[][] | undefined,
  ];
  const subs = new Map<string, CommandSpec>();
  for (const sub of subcommands ?? []) {
    const [subName, spec] = parseSpec(sub);
    subs.set(subName.slice(subName.indexOf('|') + 1).toLowerCase(), spec);
  }
  return [String(name).toLowerCase(), { flags: new Set(flags.map(String)), firstKey: Number(firstKey), subcommands: subs }];
}

export class CommandTable {
  private constructor(private readonly specs: ReadonlyMap<string, CommandSpec>) {}

  static async load(redis: Redis): Promise<CommandTable> {
    const all = (await redis.call('COMMAND')) as unknown[][];
    return new CommandTable(new Map(all.map(parseSpec)));
  }

  private spec(args: readonly string[]): CommandSpec | undefined {
    const top = this.specs.get(args[0].toLowerCase());
    if (!top || top.subcommands.size === 0) return top;
    return (args[1] !== undefined && top.subcommands.get(args[1].toLowerCase())) || top;
  }

  /** A refusal message when no token may run this command over REST, else undefined. */
  refusal(args: readonly string[]): string | undefined {
    const name = args[0].toLowerCase();
    if (CONNECTION_STATE.has(name)) return `ERR Command is not allowed over REST: '${name}'`;
    const spec = this.spec(args);
    if (spec?.flags.has('admin') && !ADMIN_ALLOWED.has(name)) return `ERR Command is not allowed over REST: '${name}'`;
    return undefined;
  }

  /** Whether the read-only token may run this command: reads, or key-less commands that cannot write. */
  allowedReadOnly(args: readonly string[]): boolean {
    const name = args[0].toLowerCase();
    if (READ_ONLY_REFUSED.has(name)) return false;
    const spec = this.spec(args);
    if (!spec) return false;
    const { flags } = spec;
    for (const flag of ['write', 'admin', 'may_replicate', 'pubsub', 'blocking']) {
      if (flags.has(flag)) return false;
    }
    if (flags.has('readonly')) return true;
    // Key-less and not scripting (EVAL/EVALSHA carry no write flag but may write; EVAL_RO is readonly).
    return spec.firstKey === 0 && !flags.has('movablekeys') && !flags.has('noscript');
  }

  /** Blocking commands (BLPOP, XREAD BLOCK...) must not hold up a shared, pipelined connection. */
  isBlocking(args: readonly string[]): boolean {
    return this.spec(args)?.flags.has('blocking') ?? false;
  }
}
