/**
 * A local server speaking the Upstash Redis REST protocol (Upstash's REST API documentation;
 * test/local/upstash-protocol.test.ts pins what is implemented) in front of a real redis-server, so the real
 * `@upstash/redis` client cannot tell it from Upstash: `POST /`, `/pipeline`, `/multi-exec`, bearer
 * tokens (standard, read-only, ACL-user tokens), base64 replies, sync tokens, Upstash error shapes,
 * and `/subscribe/<channel>` / `/psubscribe/<pattern>` event streams.
 * Test hooks: request counting, billed-command counting, a request log and injected faults.
 *
 * Over 300 lines: the protocol's request parsing, authentication and reply encoding are one
 * request pipeline; the commands, scripts, ACL and subscriptions live in their own files.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AclSessions, RedisUnavailableError, TokenRejectedError } from './upstash-acl';
import { CommandTable } from './upstash-commands';
import { ConnectionPool, isConnectionError } from './upstash-connections';
import { BadRequestError, toArgs, toCommandList } from './upstash-encoding';
import { CommandExecutor } from './upstash-execute';
import { parseSubscribePath, streamSubscription } from './upstash-subscribe';
import { newToken, TokenRegistry } from './upstash-tokens';

export interface UpstashServerOptions {
  /** The redis-server behind this server, `redis://host:port`. */
  readonly redisUrl: string;
  /** Logical database this server exposes as its whole database. @default 0 */
  readonly db?: number;
  /** Standard REST token. @default - a random token */
  readonly token?: string;
  /** Read-only REST token. @default - a random token */
  readonly readOnlyToken?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Shared Redis connections per identity (concurrent requests pipeline over them). @default 4 */
  readonly connections?: number;
  /** Largest accepted request body. @default 10 MiB */
  readonly maxBodyBytes?: number;
}

export type FaultMode = 'none' | 'http500' | 'garbage';

export type RestEndpoint = '/' | '/pipeline' | '/multi-exec';

export interface LoggedRequest {
  readonly endpoint: RestEndpoint;
  /** Commands as received (arguments as strings, each cut to 200 characters). */
  readonly commands: readonly (readonly string[])[];
}

export interface LocalUpstashServer {
  /** `http://127.0.0.1:<port>`, the value for `UPSTASH_REDIS_REST_URL`. */
  readonly url: string;
  readonly port: number;
  /** The current standard token (changes with `setTokens`). */
  readonly token: string;
  /** The current read-only token (changes with `setTokens`). */
  readonly readOnlyToken: string;
  /** HTTP requests received (every method and status, faults included) since start or reset. */
  requestCount(): number;
  resetRequestCount(): void;
  /**
   * Commands received since start or reset, by upper-case name, counted as Upstash bills them:
   * each command of a pipeline or transaction once, a script (`EVAL`, `EVALSHA`) once whatever it runs.
   */
  billedCommands(): Readonly<Record<string, number>>;
  resetBilledCommands(): void;
  /** The last requests that ran commands (at most 10,000), oldest first. */
  commandLog(): readonly LoggedRequest[];
  clearCommandLog(): void;
  /** Replaces the default tokens (as a Developer-API password reset does); old ones then get 401. */
  setTokens(tokens: { token?: string; readOnlyToken?: string }): void;
  /** Revokes a token minted by `ACL GENTOKEN`/`ACL RESTTOKEN`; returns whether it existed. */
  revokeToken(token: string): boolean;
  /** Every following request fails this way until `setFault('none')`. */
  setFault(mode: FaultMode): void;
  /** Only the next `count` requests fail this way (default `http500`). */
  failNext(count: number, mode?: Exclude<FaultMode, 'none'>): void;
  close(): Promise<void>;
}

const UNAUTHORIZED = 'WRONGPASS invalid or missing auth token';
const LOG_LIMIT = 10_000;
const LOG_ARG_CHARS = 200;
const tables = new Map<string, Promise<CommandTable>>();

/** An HTTP-level failure with its status (body too large, request aborted). */
class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function endpointOf(pathname: string): RestEndpoint | undefined {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/pipeline' || path === '/multi-exec') return path;
  return undefined;
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `ERR request body larger than ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new HttpError(400, 'ERR request aborted before its body was complete'));
    });
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The HTTP status and body for a failed request. */
function failure(err: unknown): { status: number; error: string } {
  if (err instanceof HttpError) return { status: err.status, error: err.message };
  if (err instanceof BadRequestError) return { status: 400, error: err.message };
  if (err instanceof TokenRejectedError) return { status: 401, error: UNAUTHORIZED };
  if (err instanceof RedisUnavailableError) return { status: 503, error: err.message };
  if (isConnectionError(err)) return { status: 503, error: `ERR Redis unavailable: ${errorMessage(err)}` };
  return { status: 500, error: `ERR internal error: ${errorMessage(err)}` };
}

export async function startUpstashServer(opts: UpstashServerOptions): Promise<LocalUpstashServer> {
  const db = opts.db ?? 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`db must be a non-negative integer, got ${db}`);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer from 0 to 65535, got ${port}`);
  const connections = opts.connections ?? 4;
  if (!Number.isInteger(connections) || connections < 1) throw new Error(`connections must be a positive integer, got ${connections}`);
  const maxBodyBytes = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const tokens = new TokenRegistry(opts.token ?? newToken(), opts.readOnlyToken ?? newToken());
  const poolOptions = { redisUrl: opts.redisUrl, db, shared: connections };
  const defaultPool = await ConnectionPool.open(poolOptions).catch((err: unknown) => {
    throw new Error(`cannot connect to Redis at ${opts.redisUrl} (db ${db}): ${errorMessage(err)}`);
  });
  let table: CommandTable;
  try {
    // ioredis does not fail its connection when SELECT fails: check the database exists.
    await defaultPool.sharedConnection().call('SELECT', String(db)).catch((err: unknown) => {
      throw new Error(`Redis at ${opts.redisUrl} has no database ${db}: ${errorMessage(err)}`);
    });
    let loading = tables.get(opts.redisUrl);
    if (!loading) {
      loading = CommandTable.load(defaultPool.sharedConnection());
      tables.set(opts.redisUrl, loading);
      loading.catch(() => tables.delete(opts.redisUrl));
    }
    table = await loading;
  } catch (err) {
    await defaultPool.close();
    throw err;
  }

  const acl = new AclSessions(tokens, poolOptions, defaultPool);
  const executor = new CommandExecutor(table, acl);
  let requests = 0;
  let syncCounter = 0;
  let fault: FaultMode = 'none';
  let faultBudget = 0;
  let log: LoggedRequest[] = [];
  let billed: Record<string, number> = {};
  const streams = new Set<{ stop(): void }>();

  function nextSyncToken(): string {
    syncCounter += 1;
    return `local-${process.pid}-${syncCounter}`;
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'application/json',
      'upstash-sync-token': nextSyncToken(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  function takeFault(): FaultMode {
    if (faultBudget > 0) {
      faultBudget -= 1;
      const mode = fault;
      if (faultBudget === 0) fault = 'none';
      return mode;
    }
    return fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests += 1;
    const injected = takeFault();
    if (injected === 'http500') {
      send(res, 500, { error: 'ERR injected fault: internal server error' });
      return;
    }
    if (injected === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json', 'upstash-sync-token': nextSyncToken() });
      res.end('<html>502 Bad Gateway</html> {"result":');
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { error: `ERR method ${req.method} not allowed, use POST` }, { allow: 'POST' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const endpoint = endpointOf(url.pathname);
    const subscription = parseSubscribePath(url.pathname);
    if (!endpoint && !subscription) {
      send(res, 404, { error: `ERR unknown endpoint ${url.pathname}, use /, /pipeline or /multi-exec` });
      return;
    }
    const principal = tokens.resolve(bearer(req.headers.authorization) ?? url.searchParams.get('_token') ?? undefined);
    if (!principal) {
      send(res, 401, { error: UNAUTHORIZED });
      return;
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    if (subscription) {
      try {
        const conn = await (await acl.pool(principal)).dedicated();
        const stream = await streamSubscription(req, res, conn, subscription.kind, subscription.channel, { 'upstash-sync-token': nextSyncToken() });
        streams.add(stream);
        res.on('close', () => streams.delete(stream));
      } catch (err) {
        const { status, error } = failure(err instanceof Error && err.name === 'ReplyError' ? new BadRequestError(err.message) : err);
        send(res, status, { error });
      }
      return;
    }
    try {
      const text = await readBody(req, maxBodyBytes);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new BadRequestError('ERR failed to parse the request body as JSON');
      }
      if (endpoint === '/' || !endpoint) {
        const args = toArgs(body);
        pushLog({ endpoint: '/', commands: [args] });
        send(res, 200, { result: await executor.single(principal, args, base64) });
      } else {
        const commands = toCommandList(body);
        pushLog({ endpoint, commands });
        const entries = endpoint === '/pipeline'
          ? await executor.pipeline(principal, commands, base64)
          : await executor.multiExec(principal, commands, base64);
        send(res, 200, entries);
      }
    } catch (err) {
      const { status, error } = failure(err);
      // An ACL user's connections that fail may have lost their login: log in afresh next time.
      if (principal.kind === 'acl' && (status === 401 || status === 503)) void acl.forget([principal.username]);
      send(res, status, { error });
    }
  }

  function pushLog(entry: LoggedRequest): void {
    for (const command of entry.commands) {
      const name = String(command[0] ?? '').toUpperCase();
      billed[name] = (billed[name] ?? 0) + 1;
    }
    // Cut long arguments so a benchmark writing large values does not fill memory with the log.
    const cut = (arg: string): string => (arg.length > LOG_ARG_CHARS ? `${arg.slice(0, LOG_ARG_CHARS)}…` : arg);
    log.push({ endpoint: entry.endpoint, commands: entry.commands.map((c) => c.map(cut)) });
    if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT / 2);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { error: `ERR internal error: ${errorMessage(err)}` }));
  });
  server.keepAliveTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue: benchmarks open thousands of connections at once.
      server.listen({ port, host: opts.host ?? '127.0.0.1', backlog: 4096 }, () => resolve());
    });
  } catch (err) {
    await defaultPool.close();
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    get token() { return tokens.token; },
    get readOnlyToken() { return tokens.readOnlyToken; },
    requestCount: () => requests,
    resetRequestCount: () => { requests = 0; },
    billedCommands: () => ({ ...billed }),
    resetBilledCommands: () => { billed = {}; },
    commandLog: () => log,
    clearCommandLog: () => { log = []; },
    setTokens: (next) => tokens.set(next),
    revokeToken: (token) => tokens.revoke(token),
    setFault: (mode) => {
      fault = mode;
      faultBudget = 0;
    },
    failNext: (count, mode = 'http500') => {
      if (!Number.isInteger(count) || count < 1) throw new Error(`failNext count must be a positive integer, got ${count}`);
      fault = mode;
      faultBudget = count;
    },
    close() {
      closing ??= (async () => {
        for (const stream of streams) stream.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await acl.close();
        await defaultPool.close();
      })();
      return closing;
    },
  };
}
