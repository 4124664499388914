/**
 * `npm run dev`: every function on one local port, as API Gateway would route them.
 *
 * Node HTTP requests are turned into API Gateway HTTP API (payload 2.0) events and the functions'
 * results back into responses (binary bodies travel base64, as in AWS). Behind them: a real
 * `redis-server` (or `REDIS_URL`), local Upstash-compatible REST servers (cache database on db 0,
 * guardrails on db 1, each further cache database of `upstash.cacheShards` on db 2, 3, …) and a demo
 * origin. `PORT` (default 8787), `ORIGIN_<SURFACE>` and
 * `ADMIN_TOKEN`, `READ_TOKEN` and `METRICS_TOKEN` (each generated and printed when unset) configure it. `--cache-maxmemory <size>
 * [--cache-eviction-policy <policy>]` gives the cache database its own evicting redis-server, as
 * Upstash's cache database evicts, while the guardrails database keeps one that never evicts.
 *
 * Over 300 lines: it is the one place that wires every local component (Redis, Upstash servers,
 * origin, optional monitoring and eviction) the way AWS wires the deployed ones.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { environment } from '../config/environments';
import type { EnvironmentConfig } from '../config/types';
import { matchRoute, type RouteFunction } from '../contracts/routes';
import { createAdminFunction } from '../lambdas/admin/handler';
import { createCacheFunction } from '../lambdas/cache/handler';
import { checkApiToken, generateApiToken } from '../lambdas/shared/api-tokens';
import { encodeBody, jsonError, type HttpResult } from '../lambdas/shared/http';
import { cacheShardLocalVariables, originOverrideVariable } from '../lambdas/shared/runtime-environment';
import { installTracing, traced } from '../lambdas/shared/tracing';
import { startDemoOrigin, type DemoOrigin } from './demo-origin';
import { evictionFromArgs, type EvictionSettings } from './eviction';
import { startDatabaseRedis } from './database-redis';
import { startMonitoringStack, type MonitoringStack } from './monitoring-stack';
import type { RedisProcess } from './redis-process';
import { startUpstashServer, type LocalUpstashServer } from './upstash-server';

export interface DevServerOptions {
  /** @default 8787; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Admin token of the admin routes; at least 32 characters. @default - `ADMIN_TOKEN`, else a generated one */
  readonly adminToken?: string;
  /** Metrics token of `/metrics` and `/debug/cache`; at least 32 characters. @default - `METRICS_TOKEN`, else a generated one */
  readonly metricsToken?: string;
  /** Read token, asked of reads when `READ_REQUIRES_AUTH=true`. @default - `READ_TOKEN`, else a generated one */
  readonly readToken?: string;
  /** Existing Redis to use instead of starting a `redis-server`. @default - `REDIS_URL`, else a new process */
  readonly redisUrl?: string;
  /** Environment read for `ORIGIN_<SURFACE>`, the three tokens, `READ_REQUIRES_AUTH`, `REDIS_URL`. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Serve `/metrics` without the metrics token. @default false */
  readonly metricsPublic?: boolean;
  /**
   * Memory limit and eviction policy of the cache database. Starts two redis-servers: the cache
   * database's with these settings, the guardrails database's with `noeviction`. Cannot be combined
   * with `redisUrl` / `REDIS_URL`. @default - one redis-server without a memory limit
   */
  readonly cacheEviction?: EvictionSettings;
  /** The typed config the functions run with. @default - the `dev` environment */
  readonly config?: EnvironmentConfig;
}

export interface DevServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly adminToken: string;
  /** True when the token was generated (print it: nobody else knows it). */
  readonly adminTokenGenerated: boolean;
  readonly metricsToken: string;
  readonly readToken: string;
  /** The demo origin, e.g. to count its requests. */
  readonly demoOrigin: DemoOrigin;
  /** The redis-servers it started (none with `REDIS_URL`), for fault drills that stop them. */
  readonly redisProcesses: readonly RedisProcess[];
  /** The local Upstash servers, for tests that look inside Redis. */
  readonly upstash: {
    readonly cache: LocalUpstashServer;
    readonly guardrails: LocalUpstashServer;
    /** One per further cache database (`upstash.cacheShards`), by shard id, on the cache database's Redis. */
    readonly shards: Readonly<Record<string, LocalUpstashServer>>;
  };
  /** The Redis behind each database (the same URL unless `cacheEviction` is set). */
  readonly redisUrls: { readonly cache: string; readonly guardrails: string };
  /** Origin URL per surface, after `ORIGIN_<SURFACE>` overrides. */
  readonly origins: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

type LambdaFunction = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

const CACHE_DB = 0;
const GUARDRAILS_DB = 1;
/** Further cache databases take the logical databases after these, up to Redis's default 16. */
const FIRST_SHARD_DB = 2;
const REDIS_DATABASES = 16;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** `routeKey` and `pathParameters` as the HTTP API sets them, from the route table. */
function routeOf(method: string, path: string): { routeKey: string; pathParameters?: Readonly<Record<string, string>> } {
  const match = matchRoute(path);
  if (!match || !(match.route.methods as readonly string[]).includes(method)) return { routeKey: '$default' };
  const { pathParameters } = match;
  return { routeKey: `${method} ${match.route.path}`, ...(Object.keys(pathParameters).length ? { pathParameters } : {}) };
}

/** A Node request as the HTTP API delivers it to a Lambda (payload format 2.0). */
export function toHttpApiEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  // Appended, not resolved against a base: a path starting with `//` is a path, not a host.
  const url = new URL(`http://localhost${req.url?.startsWith('/') ? req.url : '/'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const cookies = req.headers.cookie?.split(';').map((c) => c.trim()).filter(Boolean);
  const encoded = body.byteLength > 0 ? encodeBody(body, headers['content-type']) : undefined;
  const { routeKey, pathParameters } = routeOf(method, url.pathname);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: encoded?.isBase64Encoded ?? false,
    ...(encoded ? { body: encoded.body } : {}),
  };
}

/** Writes a Lambda result (payload 2.0) as the HTTP API would. */
export function writeHttpApiResult(res: ServerResponse, result: HttpResult): void {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | number | string[]> = { ...result.headers };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  headers['content-length'] = body.byteLength;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('payload_too_large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8787;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer between 0 and 65535, got "${raw}"`);
  return port;
}

/** Starts everything `npm run dev` runs; `close()` stops it all, in reverse order. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const env = opts.env ?? process.env;
  const adminToken = checkApiToken(opts.adminToken ?? (env.ADMIN_TOKEN || generateApiToken()), 'ADMIN_TOKEN');
  const metricsToken = checkApiToken(opts.metricsToken ?? (env.METRICS_TOKEN || generateApiToken()), 'METRICS_TOKEN');
  const readToken = checkApiToken(opts.readToken ?? (env.READ_TOKEN || generateApiToken()), 'READ_TOKEN');
  const stack: (() => Promise<unknown>)[] = [];
  const redisProcesses: RedisProcess[] = [];
  const close = async (): Promise<void> => {
    while (stack.length > 0) await stack.pop()?.().catch(() => undefined);
  };
  try {
    const redisUrls = await startDatabaseRedis(opts.redisUrl ?? env.REDIS_URL, opts.cacheEviction, stack, redisProcesses);
    const [cache, guardrails, demoOrigin] = await Promise.all([
      startUpstashServer({ redisUrl: redisUrls.cache, db: CACHE_DB }),
      startUpstashServer({ redisUrl: redisUrls.guardrails, db: GUARDRAILS_DB }),
      startDemoOrigin(),
    ]);
    stack.push(() => cache.close(), () => guardrails.close(), () => demoOrigin.close());

    const config = opts.config ?? environment('dev');
    const shards = await startShardServers(config, redisUrls.cache, stack);
    const origins: Record<string, string> = {};
    const functionEnv: NodeJS.ProcessEnv = {
      CACHE_ENV: 'dev',
      UPSTASH_REDIS_REST_URL: cache.url,
      UPSTASH_REDIS_REST_TOKEN: cache.token,
      UPSTASH_GUARDRAILS_REST_URL: guardrails.url,
      UPSTASH_GUARDRAILS_REST_TOKEN: guardrails.token,
      ADMIN_TOKEN: adminToken,
      METRICS_TOKEN: metricsToken,
      READ_TOKEN: readToken,
      METRICS_PUBLIC: opts.metricsPublic ? 'true' : 'false',
    };
    for (const [id, server] of Object.entries(shards)) Object.assign(functionEnv, cacheShardLocalVariables(id, server));
    for (const surface of config.surfaces) {
      const name = originOverrideVariable(surface.name);
      origins[surface.name] = env[name] || `${demoOrigin.url}/${surface.name}`;
      functionEnv[name] = origins[surface.name];
    }
    for (const name of ['MAX_INFLIGHT', 'READ_REQUIRES_AUTH', 'METRICS_FLUSH_INTERVAL_MS'] as const) if (env[name]) functionEnv[name] = env[name];
    const [cacheFunction, adminFunction] = await Promise.all([createCacheFunction({ env: functionEnv, config }), createAdminFunction({ env: functionEnv, config, allowLoopbackClients: true })]);

    const functions: Readonly<Record<RouteFunction, LambdaFunction>> = { cache: cacheFunction, admin: adminFunction };
    // A path no route matches still reaches a function (AWS would answer 404 itself), so a typo
    // under `/admin/` gets the admin API's 404 listing its routes.
    const route = (path: string): LambdaFunction =>
      functions[matchRoute(path)?.route.function ?? (path.startsWith('/admin/') || path === '/admin' ? 'admin' : 'cache')];
    const server: Server = createServer((req, res) => {
      void (async () => {
        let result: HttpResult;
        try {
          const body = await readBody(req);
          const event = toHttpApiEvent(req, body);
          result = await traced(event.headers, () => route(event.rawPath)(event));
        } catch (error) {
          result =
            (error as Error).message === 'payload_too_large'
              ? jsonError(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`)
              : jsonError(500, 'internal_error', 'the dev server could not run the function');
        }
        writeHttpApiResult(res, result);
      })();
    });
    // Requests Node rejects before any function runs (headers over its 16 KB limit, broken HTTP)
    // still get the contract's JSON error instead of a bare status line.
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || error.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify(tooLarge
        ? { error: 'headers_too_large', message: 'request headers are larger than the server accepts (16 KB)' }
        : { error: 'bad_request', message: 'the request is not valid HTTP/1.1' });
      socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json\r\n`
        + `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => resolve());
    });
    stack.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    let closing: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      adminToken,
      adminTokenGenerated: opts.adminToken === undefined && !env.ADMIN_TOKEN,
      metricsToken,
      readToken,
      demoOrigin,
      redisProcesses,
      upstash: { cache, guardrails, shards },
      redisUrls,
      origins,
      close: () => (closing ??= close()),
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A local Upstash server per further cache database, on the cache database's Redis (so it evicts
 * with it when `cacheEviction` is set, as every cache database on Upstash does).
 */
async function startShardServers(config: EnvironmentConfig, redisUrl: string, stack: (() => Promise<unknown>)[]): Promise<Record<string, LocalUpstashServer>> {
  const shards = config.upstash.cacheShards ?? [];
  if (FIRST_SHARD_DB + shards.length > REDIS_DATABASES) {
    throw new Error(`the dev server runs at most ${REDIS_DATABASES - FIRST_SHARD_DB} cache shards (one Redis logical database each), the config has ${shards.length}`);
  }
  const servers: Record<string, LocalUpstashServer> = {};
  for (const [i, shard] of shards.entries()) {
    const server = await startUpstashServer({ redisUrl, db: FIRST_SHARD_DB + i });
    stack.push(() => server.close());
    servers[shard.id] = server;
  }
  return servers;
}

function parseTimeScale(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!(scale > 0 && scale <= 1)) throw new Error(`MONITORING_TIME_SCALE must be a number in (0, 1], got "${raw}"`);
  return scale;
}

async function runFromCommandLine(argv: readonly string[]): Promise<void> {
  const monitoring = argv.includes('--monitoring');
  const timeScale = parseTimeScale(process.env.MONITORING_TIME_SCALE);
  installTracing({ env: process.env });
  const config = environment('dev');
  const dev = await startDevServer({
    config,
    port: parsePort(process.env.PORT),
    cacheEviction: evictionFromArgs(argv.filter((a) => a !== '--monitoring'), 'cache-'),
  });
  const example = `${dev.url}/c/marketing/blog/hello-world`;
  const lines = [
    `dev server: ${dev.url}`,
    `  cache:  GET ${dev.url}/c/{surface}/{path}   surfaces: ${Object.entries(dev.origins).map(([s, o]) => `${s} -> ${o}`).join(', ')}`,
    `  admin:  ${dev.url}/admin/{invalidate,bypass,allowlist,status}   also /healthz /readyz /metrics /debug/cache`,
    dev.redisUrls.cache === dev.redisUrls.guardrails ? `redis:  ${dev.redisUrls.cache}`
      : `redis:  cache ${dev.redisUrls.cache} (evicting), guardrails ${dev.redisUrls.guardrails} (noeviction)`,
    ...(config.upstash.cacheShards ?? []).map((shard) => `cache shard ${shard.id}: ${dev.upstash.shards[shard.id]?.url} (surfaces ${shard.surfaces.join(', ')})`),
    dev.adminTokenGenerated ? `ADMIN_TOKEN=${dev.adminToken}   (generated; set ADMIN_TOKEN to choose one)` : 'ADMIN_TOKEN from the environment',
    `METRICS_TOKEN=${dev.metricsToken}   (/metrics, /debug/cache)`,
    '',
    'try:',
    `  curl -si ${example} | grep -i x-cache     # MISS, then HIT`,
    `  export CACHE_ADMIN_URL=${dev.url} CACHE_ADMIN_TOKEN=${dev.adminTokenGenerated ? dev.adminToken : '$ADMIN_TOKEN'}`,
    '  npm run cache:invalidate -- --key dev:marketing:blog.hello-world:default',
  ];
  let stack: MonitoringStack | undefined;
  if (monitoring) {
    stack = await startMonitoringStack({ metricsUrl: dev.url, metricsToken: dev.metricsToken, timeScale, print: (line) => process.stdout.write(`${line}\n`) })
      .catch(async (e: unknown) => {
        await dev.close();
        throw e;
      });
    lines.push(
      '',
      `monitoring: Prometheus ${stack.prometheusUrl} (graphs: /graph, alerts: /alerts; scrape and evaluation every ${stack.intervalSeconds} s)`,
      `  Alertmanager ${stack.alertmanagerUrl}; on-call stand-ins print below as [pager] (critical) and [chat] (warning)`,
    );
  }
  lines.push('', 'Ctrl-C stops everything.');
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    void Promise.resolve(stack?.close()).then(() => dev.close()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  runFromCommandLine(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`dev server failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
