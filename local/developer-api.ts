/**
 * A local stand-in for the Upstash Developer API (`https://api.upstash.com`), enough for token
 * rotation and the audit's quota reading: `POST /v2/redis/reset-password/{id}` gives the local
 * Upstash server new standard and read-only tokens (the old ones get 401 at once, as on Upstash),
 * `GET /v2/redis/database/{id}` answers the database with its current tokens, and
 * `GET /v2/redis/stats/{id}` answers `total_monthly_requests` (the requests the local server
 * received, or what `setMonthlyRequests` says). Basic auth `email:api_key`. The real API is a cloud
 * service that cannot run here; this is a mock of it.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalUpstashServer } from './upstash-server';
import { newToken } from './upstash-tokens';

export interface DeveloperApiDatabase {
  /** Database id used in the API paths. */
  readonly id: string;
  readonly name?: string;
  /** The local Upstash server this database is. */
  readonly server: LocalUpstashServer;
}

export interface LocalDeveloperApiOptions {
  readonly email: string;
  readonly apiKey: string;
  readonly databases: readonly DeveloperApiDatabase[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface LocalDeveloperApi {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (the value for `UPSTASH_DEVELOPER_API_URL`). */
  readonly url: string;
  /** Password resets done for a database. */
  resets(databaseId: string): number;
  /** Requests received (any path, any outcome). */
  requestCount(): number;
  /** What the stats endpoint reports as this month's requests of a database (a quota drill). */
  setMonthlyRequests(databaseId: string, requests: number): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function error(res: ServerResponse, status: number, code: string, message: string, headers?: Record<string, string>): void {
  send(res, status, { error: code, message }, headers);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function authorized(req: IncomingMessage, email: string, apiKey: string): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return sameSecret(decoded.slice(0, colon), email) && sameSecret(decoded.slice(colon + 1), apiKey);
}

/** The database as `GET /v2/redis/database/{id}` describes it (the fields rotation reads, and a few more). */
function describe(db: DeveloperApiDatabase, email: string, created: number): Record<string, unknown> {
  const endpoint = new URL(db.server.url).host;
  return {
    database_id: db.id,
    database_name: db.name ?? db.id,
    database_type: 'Pay as You Go',
    region: 'global',
    type: 'paid',
    port: db.server.port,
    creation_time: Math.floor(created / 1000),
    state: 'active',
    password: db.server.token,
    user_email: email,
    endpoint,
    tls: false,
    rest_token: db.server.token,
    read_only_rest_token: db.server.readOnlyToken,
  };
}

const ROUTE = /^\/v2\/redis\/(reset-password|database|stats)\/([^/]+)\/?$/;

export async function startDeveloperApi(opts: LocalDeveloperApiOptions): Promise<LocalDeveloperApi> {
  const databases = new Map(opts.databases.map((db) => [db.id, db]));
  const resets = new Map<string, number>();
  const monthlyRequests = new Map<string, number>();
  const created = Date.now();
  let requests = 0;

  const server = createServer((req, res) => {
    requests++;
    req.resume();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = ROUTE.exec(path);
    if (!route) return error(res, 404, 'not_found', `no such endpoint: ${req.method} ${path}`);
    const [, action, rawId] = route;
    const method = action === 'reset-password' ? 'POST' : 'GET';
    if (req.method !== method) return error(res, 405, 'method_not_allowed', `${path} accepts ${method} only`, { allow: method });
    if (!authorized(req, opts.email, opts.apiKey)) {
      return error(res, 401, 'unauthorized', 'Basic auth with the account email and API key is required', { 'www-authenticate': 'Basic realm="upstash"' });
    }
    const id = decodeURIComponent(rawId);
    const db = databases.get(id);
    if (!db) return error(res, 404, 'database_not_found', `database ${id} does not exist`);
    if (action === 'reset-password') {
      db.server.setTokens({ token: newToken(), readOnlyToken: newToken() });
      resets.set(id, (resets.get(id) ?? 0) + 1);
    }
    if (action === 'stats') {
      return send(res, 200, { total_monthly_requests: monthlyRequests.get(id) ?? db.server.requestCount(), diskusage: [] });
    }
    return send(res, 200, describe(db, opts.email, created));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.address}:${address.port}`,
    resets: (id) => resets.get(id) ?? 0,
    requestCount: () => requests,
    setMonthlyRequests: (id, n) => {
      if (!databases.has(id)) throw new Error(`no database ${id}`);
      monthlyRequests.set(id, n);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
