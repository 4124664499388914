/**
 * The cache function's HTTP surface: routes a request to the engine's read path, `/healthz`,
 * `/readyz`, `/metrics` or `/debug/cache`; creates the request's span (the one place it is created)
 * and records `http_request_duration_seconds`. One admin check guards `/debug/cache`, `/metrics`
 * (unless public) and, with `READ_REQUIRES_AUTH`, the reads.
 */
import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Redis } from '@upstash/redis';
import { ROUTE_TABLE, UNMATCHED_ROUTE, matchRoute } from '../../contracts/routes';
import { unauthorizedResponse, type TokenAuthenticator, type TokenKind } from '../guardrails/token-auth';
import type { InflightLimiter } from '../guardrails/backpressure';
import type { CacheEngine } from '../engine/cache-engine';
import { jsonError, json, type Headers, type HttpResult } from '../shared/http';
import { NOOP_METRICS, type MetricsRecorder } from '../shared/metrics/recorder';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../shared/metrics/render';
import { debugAnswer } from './debug-cache';
import { readiness } from './readiness';

export interface CacheRequest {
  readonly method: string;
  /** Raw path, e.g. `/c/marketing/blog/hello-world`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Headers;
  readonly clientIp?: string;
}

export interface CacheRouterOptions {
  /** The engine, or one per cache database (`CacheEngines`). */
  readonly engine: Pick<CacheEngine, 'read' | 'inspect' | 'circuitStates'>;
  /** Cache database client `/readyz` pings. */
  readonly cacheRedis: Redis;
  /** Further cache databases (`upstash.cacheShards`) `/readyz` also pings, by database label (`cache-<id>`). @default - none */
  readonly cacheShardRedis?: ReadonlyMap<string, Redis>;
  /** How long `/readyz` waits for the PING. */
  readonly redisTimeoutMs: number;
  /** Read tokens (`READ_REQUIRES_AUTH`). @default - reads that need a token answer 401 */
  readonly readAuth?: Pick<TokenAuthenticator, 'authenticate' | 'kind'>;
  /** Metrics tokens: `/metrics` (unless public) and `/debug/cache`. @default - those answer 401 */
  readonly metricsAuth?: Pick<TokenAuthenticator, 'authenticate' | 'kind'>;
  /** `READ_REQUIRES_AUTH`: reads need a read token. @default false */
  readonly readsRequireToken?: boolean;
  /** `METRICS_PUBLIC`: `/metrics` needs no token. @default false */
  readonly metricsPublic?: boolean;
  /** Guardrails database `/metrics` renders from. @default - `/metrics` answers 503 */
  readonly guardrails?: Redis;
  /** `MAX_INFLIGHT` bound. @default - unbounded */
  readonly inflight?: Pick<InflightLimiter, 'run'>;
  /**
   * Awaited after every answer but a read's (reads flush with their rate-limit check through the
   * engine's `onRead`): Lambda freezes after the answer, so nothing may be left in flight.
   * @default - nothing
   */
  readonly afterNonRead?: () => Promise<unknown>;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** What a request asks for: plain data, no closure (the hit path makes one per request). */
interface Route {
  /** Route template, the `route` label. */
  readonly name: string;
  readonly id: 'read' | 'healthz' | 'readyz' | 'metrics' | 'debugCache' | 'unmatched';
  /** Path without the query string. */
  readonly path: string;
  /** For a read: the surface and the path within it. */
  readonly surface?: string;
  readonly surfacePath?: string;
}

const tracer = trace.getTracer('cache-engine');
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
/** What the global provider delegates to while none is registered (a fresh proxy has no delegate). */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

const METHOD_LABELS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const READ_ROUTE = /^\/c\/([^/]+)(?:\/(.*))?$/;

/** False while no tracer provider is registered (tracing off): every span would be a no-op. */
function spansRecorded(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER);
}

export class CacheRouter {
  private readonly metrics: MetricsRecorder;
  private readonly clock: () => number;
  /** Every cache database `/readyz` pings, by database label. */
  private readonly cacheDatabases: ReadonlyMap<string, Redis>;

  constructor(private readonly opts: CacheRouterOptions) {
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.clock = opts.clock ?? Date.now;
    this.cacheDatabases = new Map([['cache', opts.cacheRedis], ...(opts.cacheShardRedis ?? new Map<string, Redis>())]);
  }

  async handle(req: CacheRequest): Promise<HttpResult> {
    const method = req.method.toUpperCase();
    const route = this.route(req);
    const result = this.opts.inflight
      ? await this.opts.inflight.run(route.name, () => this.traced(method, req, route))
      : await this.traced(method, req, route);
    if (this.opts.afterNonRead && route.name !== ROUTE_TABLE.read.label) await this.opts.afterNonRead();
    return result;
  }

  private traced(method: string, req: CacheRequest, route: Route): Promise<HttpResult> {
    // Without a tracer provider (tracing off) spans are no-ops: the hit path skips making one.
    if (!spansRecorded()) return this.answered(method, req, route, NO_SPAN);
    return tracer.startActiveSpan(`${method} ${route.name}`, { kind: SpanKind.SERVER }, (span) => this.answered(method, req, route, span));
  }

  private async answered(method: string, req: CacheRequest, route: Route, span: Span): Promise<HttpResult> {
    const started = this.clock();
    span.setAttribute('http.request.method', method);
    span.setAttribute('http.route', route.name);
    let res: HttpResult;
    try {
      res = await this.run(method, req, route, span);
    } catch (e) {
      // Last line of defence: a bug never leaks a stack trace.
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      res = jsonError(500, 'internal_error', 'the cache engine failed to answer this request');
    }
    const status = String(res.statusCode ?? 200);
    span.setAttribute('http.response.status_code', res.statusCode ?? 200);
    span.end();
    this.metrics.observe('http_request_duration_seconds', (this.clock() - started) / 1000,
      { method: METHOD_LABELS.has(method) ? method : 'OTHER', route: route.name, status_code: status });
    return res;
  }

  private route(req: CacheRequest): Route {
    const q = req.path.indexOf('?');
    const path = q === -1 ? req.path : req.path.slice(0, q);
    const read = READ_ROUTE.exec(path);
    if (read) return { name: ROUTE_TABLE.read.label, id: 'read', path, surface: read[1] as string, surfacePath: read[2] ?? '' };
    const id = matchRoute(path)?.id;
    switch (id) {
      case 'healthz':
      case 'readyz':
      case 'metrics':
      case 'debugCache':
        return { name: ROUTE_TABLE[id].label, id, path };
      default:
        return { name: UNMATCHED_ROUTE, id: 'unmatched', path };
    }
  }

  private run(method: string, req: CacheRequest, route: Route, span: Span): Promise<HttpResult> {
    switch (route.id) {
      case 'read': return this.read(method, req, route.surface as string, route.surfacePath as string, span);
      case 'healthz': return Promise.resolve(json(200, { status: 'ok' }));
      case 'readyz': return readiness(this.cacheDatabases, this.opts.redisTimeoutMs, this.opts.engine.circuitStates());
      case 'metrics': return this.serveMetrics(req);
      case 'debugCache': return this.debug(method, req);
      case 'unmatched': return Promise.resolve(jsonError(404, 'not_found', `no route for ${method} ${route.path.slice(0, 200)}`));
    }
  }

  private async read(method: string, req: CacheRequest, surface: string, path: string, span: Span): Promise<HttpResult> {
    // READ_REQUIRES_AUTH: a read without a valid read token is refused before Redis or the origin.
    if (this.opts.readsRequireToken) {
      const refused = await this.refusal(req.headers, true, this.opts.readAuth, 'read');
      if (refused) return refused;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return jsonError(405, 'method_not_allowed', `${method} is not allowed here; use GET or HEAD`, { allow: 'GET, HEAD' });
    }
    return this.opts.engine.read({ method, surface, path, query: req.query, headers: req.headers, clientIp: req.clientIp }, span);
  }

  private async serveMetrics(req: CacheRequest): Promise<HttpResult> {
    const refused = await this.refusal(req.headers, !this.opts.metricsPublic, this.opts.metricsAuth, 'metrics');
    if (refused) return refused;
    const guardrails = this.opts.guardrails;
    if (!guardrails) return jsonError(503, 'metrics_unavailable', 'no guardrails database is configured');
    try {
      return { statusCode: 200, headers: { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }, body: await renderMetrics(guardrails) };
    } catch {
      return jsonError(503, 'redis_unavailable', 'metrics could not be read from the guardrails database');
    }
  }

  private async debug(method: string, req: CacheRequest): Promise<HttpResult> {
    if (method !== 'GET') return jsonError(405, 'method_not_allowed', 'use GET', { allow: 'GET' });
    return (await this.refusal(req.headers, true, this.opts.metricsAuth, 'metrics')) ?? debugAnswer(this.opts.engine, req.query?.key);
  }

  /** The token check: the answer refusing a request without a valid token of `kind` when `required`. */
  private async refusal(
    headers: Headers | undefined, required: boolean, auth: Pick<TokenAuthenticator, 'authenticate'> | undefined, kind: TokenKind,
  ): Promise<HttpResult | undefined> {
    if (!required) return undefined;
    if (!auth) return unauthorizedResponse('invalid', kind);
    const result = await auth.authenticate(headers).catch(() => undefined);
    if (!result) return jsonError(503, 'auth_unavailable', `the ${kind} token source is unavailable`);
    return result.ok ? undefined : unauthorizedResponse(result.reason, kind);
  }
}
