import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDurationSeconds } from './duration';

/** Operator commands, as the npm scripts name them. */
export type Command =
  | { readonly name: 'help'; readonly topic?: CommandName }
  | { readonly name: 'invalidate'; readonly target: InvalidateTarget; readonly idempotencyKey?: string; readonly json: boolean }
  | { readonly name: 'version-bump'; readonly surface: string; readonly idempotencyKey?: string; readonly json: boolean }
  | { readonly name: 'bypass'; readonly surface: string; readonly enabled: boolean; readonly ttlSeconds?: number; readonly json: boolean }
  | { readonly name: 'analyze'; readonly timeRangeSeconds: number; readonly json: boolean };

export type InvalidateTarget =
  | { readonly kind: 'keys'; readonly keys: readonly string[] }
  | { readonly kind: 'prefix'; readonly prefix: string; readonly batchLimit?: number }
  | { readonly kind: 'event'; readonly event: string; readonly data: Readonly<Record<string, string>> };

export type CommandName = 'invalidate' | 'version-bump' | 'bypass' | 'analyze';
const COMMAND_NAMES: readonly CommandName[] = ['invalidate', 'version-bump', 'bypass', 'analyze'];

/** Wrong usage: the CLI prints the message and the command's help, and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export const USAGE: Readonly<Record<CommandName | 'main', string>> = {
  main: `Usage: tsx cli/main.ts <command> [options]   (or npm run cache:<command> -- [options])

Commands:
  invalidate     delete exact keys, purge a key prefix, or apply a domain event
  version-bump   invalidate a whole surface by bumping its generation (O(1))
  bypass         turn the emergency cache bypass of a surface on or off
  analyze        hit rate by surface and namespace

Environment:
  CACHE_ADMIN_URL    base URL of the admin API, e.g. http://127.0.0.1:8787
  CACHE_ADMIN_TOKEN  admin bearer token
  CACHE_ADMIN_SIGV4  true to sign with your AWS credentials (default: only for execute-api hosts)

Run "<command> --help" for a command's options. Exit codes: 0 done, 1 failed, 2 wrong usage.`,
  invalidate: `Usage: npm run cache:invalidate -- (--key <key>... | --prefix <prefix> | --event <name> [--data k=v]...)

  --key <key>              exact key <env>:<surface>:<resource>:<variant>; repeat for several
  --prefix <prefix>        delete every key starting with <prefix> (must start with <env>:<surface>:);
                           glob characters are matched literally; loops until done, showing progress
  --batch <n>              keys deleted per request during a prefix purge (default: server's)
  --event <name>           domain event, e.g. article.published
  --data <field=value>     event data; repeat for several fields
  --idempotency-key <id>   replaying the same key returns the first answer instead of acting twice
  --json                   print the server's JSON answers
  -h, --help               show this help`,
  'version-bump': `Usage: npm run cache:version-bump -- --surface <surface>

  --surface <surface>      surface whose generation is bumped: every entry reads as a miss
  --idempotency-key <id>   replaying the same key returns the first answer
  --json                   print the server's JSON answer
  -h, --help               show this help`,
  bypass: `Usage: npm run cache:bypass -- --surface <surface> (--on [--ttl 1h] | --off)

  --surface <surface>   surface to bypass (requests go straight to the origin)
  --on | --off          turn the bypass on or off
  --ttl <duration>      how long the bypass lasts before it expires by itself (default 1h; max 24h)
  --json                print the server's JSON answer
  -h, --help            show this help`,
  analyze: `Usage: npm run cache:analyze -- [--time-range 24h]

  --time-range <duration>  window to analyse, e.g. 15m, 24h, 7d (default 24h)
  --json                   print the figures as JSON
  -h, --help               show this help`,
};

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, command: CommandName) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

function withUsage<T>(command: CommandName, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message, command);
  }
}

function parseData(pairs: readonly string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--data must be field=value, got "${pair}"`, 'invalidate');
    const field = pair.slice(0, eq);
    if (field in data) throw new UsageError(`--data ${field} given twice`, 'invalidate');
    data[field] = pair.slice(eq + 1);
  }
  return data;
}

function parseInvalidate(args: string[]): Command {
  const values = parse(
    args,
    {
      key: { type: 'string', multiple: true },
      prefix: { type: 'string' },
      batch: { type: 'string' },
      event: { type: 'string' },
      data: { type: 'string', multiple: true },
      'idempotency-key': { type: 'string' },
    },
    'invalidate',
  );
  if (values.help) return { name: 'help', topic: 'invalidate' };
  const modes = [values.key ? '--key' : '', values.prefix !== undefined ? '--prefix' : '', values.event !== undefined ? '--event' : ''].filter(Boolean);
  if (modes.length !== 1) {
    throw new UsageError(modes.length === 0 ? 'give --key, --prefix or --event' : `give only one of ${modes.join(', ')}`, 'invalidate');
  }
  if (values.data && values.event === undefined) throw new UsageError('--data goes with --event', 'invalidate');
  if (values.batch !== undefined && values.prefix === undefined) throw new UsageError('--batch goes with --prefix', 'invalidate');
  const common = { idempotencyKey: values['idempotency-key'], json: values.json ?? false };
  if (values.key) return { name: 'invalidate', target: { kind: 'keys', keys: values.key }, ...common };
  if (values.prefix !== undefined) {
    if (values.prefix === '') throw new UsageError('--prefix must not be empty', 'invalidate');
    let batchLimit: number | undefined;
    if (values.batch !== undefined) {
      batchLimit = Number(values.batch);
      if (!Number.isInteger(batchLimit) || batchLimit < 1) throw new UsageError(`--batch must be a positive integer, got "${values.batch}"`, 'invalidate');
    }
    return { name: 'invalidate', target: { kind: 'prefix', prefix: values.prefix, batchLimit }, ...common };
  }
  const event = values.event as string;
  if (event === '') throw new UsageError('--event must not be empty', 'invalidate');
  return { name: 'invalidate', target: { kind: 'event', event, data: parseData(values.data ?? []) }, ...common };
}

function requireSurface(surface: string | undefined, command: CommandName): string {
  if (!surface) throw new UsageError('--surface is required', command);
  return surface;
}

function parseVersionBump(args: string[]): Command {
  const values = parse(args, { surface: { type: 'string' }, 'idempotency-key': { type: 'string' } }, 'version-bump');
  if (values.help) return { name: 'help', topic: 'version-bump' };
  return {
    name: 'version-bump',
    surface: requireSurface(values.surface, 'version-bump'),
    idempotencyKey: values['idempotency-key'],
    json: values.json ?? false,
  };
}

function parseBypass(args: string[]): Command {
  const values = parse(args, { surface: { type: 'string' }, on: { type: 'boolean' }, off: { type: 'boolean' }, ttl: { type: 'string' } }, 'bypass');
  if (values.help) return { name: 'help', topic: 'bypass' };
  const surface = requireSurface(values.surface, 'bypass');
  if (Boolean(values.on) === Boolean(values.off)) throw new UsageError('give exactly one of --on or --off', 'bypass');
  if (values.off && values.ttl !== undefined) throw new UsageError('--ttl goes with --on', 'bypass');
  const ttlSeconds = values.ttl === undefined ? undefined : withUsage('bypass', () => parseDurationSeconds(values.ttl as string, '--ttl'));
  return { name: 'bypass', surface, enabled: Boolean(values.on), ttlSeconds, json: values.json ?? false };
}

function parseAnalyze(args: string[]): Command {
  const values = parse(args, { 'time-range': { type: 'string' } }, 'analyze');
  if (values.help) return { name: 'help', topic: 'analyze' };
  const range = values['time-range'] ?? '24h';
  return { name: 'analyze', timeRangeSeconds: withUsage('analyze', () => parseDurationSeconds(range, '--time-range')), json: values.json ?? false };
}

/** Parses `argv` (without node and script): `<command> [options]`. Throws `UsageError`. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return { name: 'help' };
  switch (name) {
    case 'invalidate':
      return parseInvalidate(rest);
    case 'version-bump':
      return parseVersionBump(rest);
    case 'bypass':
      return parseBypass(rest);
    case 'analyze':
      return parseAnalyze(rest);
    default:
      throw new UsageError(`unknown command "${name}": expected one of ${COMMAND_NAMES.join(', ')}`);
  }
}
