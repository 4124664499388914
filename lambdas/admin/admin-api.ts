// Over 300 lines: the admin routes share one authenticated, rate-limited, idempotent pipeline and
// their request validation; splitting the routes apart would spread that pipeline over files.
import { randomUUID } from 'node:crypto';
import { ROUTE_TABLE, routesOf, type RouteId, type RouteMethod } from '../../contracts/routes';
import type { Redis } from '@upstash/redis';
import type { SurfaceConfig } from '../../config/types';
import { getBypass, setBypass } from '../engine/invalidation';
import { KeyError } from '../engine/keys';
import { TokenAuthenticator, unauthorizedResponse } from '../guardrails/token-auth';
import { GuardrailInputError } from '../guardrails/errors';
import { IdempotencyStore, requestFingerprint, validateIdempotencyKey } from '../guardrails/idempotency';
import { ADMIN_BUCKET } from '../guardrails/rate-limit-policies';
import { rateLimitedResponse } from '../guardrails/rate-limit-decision';
import type { RateLimiterManager } from '../guardrails/rate-limiter';
import { bodyText, clientIp, header, json, jsonError, type HttpEvent, type HttpResult } from '../shared/http';
import { functionLogger, type Logger } from '../shared/logger';
import { NOOP_METRICS, type MetricsRecorder } from '../shared/metrics/recorder';
import { parseDurationSeconds } from './duration';
import { AdminError, describeCause, RedisUnavailableError, UnknownSurfaceError } from './errors';
import { EventDataError, UnknownEventError } from './events';
import type { HitStatsReader } from './hit-stats';
import { InvalidationLog, type InvalidationLogEntry } from './invalidation-log';
import { allSettledOrThrow } from './settle';
import { CacheInvalidationManager, type InvalidationOutcome, type PrefixPurgeLimits } from './invalidation-manager';
import {
  parseAllowlistRequest,
  parseBypassRequest,
  parseInvalidateRequest,
  parseJsonObject,
  REQUEST_LIMITS,
  requireJsonContentType,
  type InvalidateRequest,
} from './requests';

export interface AdminApiDeps {
  /** Environment name (first key segment). */
  readonly env: string;
  readonly surfaces: readonly SurfaceConfig[];
  /** CACHE database: entries, generations, bypass flags. */
  readonly cacheRedis: Redis;
  /** GUARDRAILS database: authoritative generations and bypass flags, invalidation log, idempotency records, allowlist, metrics. */
  readonly guardrailsRedis: Redis;
  /** Further cache databases (`upstash.cacheShards`) by the surfaces they hold. @default - one cache database */
  readonly cacheShards?: ReadonlyMap<string, Redis>;
  readonly authenticator: TokenAuthenticator;
  /** Allowlist for `/admin/allowlist`, and the `admin` bucket limit of every admin request. */
  readonly rateLimiter: Pick<RateLimiterManager, 'allowTemporaryAccess' | 'limitClient'>;
  readonly idempotency: IdempotencyStore;
  readonly hitStats: HitStatsReader;
  /** @default NOOP_METRICS */
  readonly metrics?: MetricsRecorder;
  /** Called before each answer, e.g. to flush metrics (Lambda freezes after the response). */
  readonly beforeAnswer?: () => Promise<unknown>;
  /** @default functionLogger('admin') */
  readonly logger?: Logger;
  readonly prefixPurge?: Partial<PrefixPurgeLimits>;
  /** @default 200 */
  readonly logCapacity?: number;
  /** @default REQUEST_LIMITS.maxBodyBytes */
  readonly maxBodyBytes?: number;
  /** Accept loopback addresses on the allowlist: the dev server's clients connect from them. @default false */
  readonly allowLoopbackClients?: boolean;
  /** High-resolution milliseconds, for `durationMs`. @default performance.now */
  readonly now?: () => number;
}

type RouteName = Extract<(typeof ROUTE_TABLE)[RouteId], { function: 'admin' }>['path'];
/** The method of each admin route (each has one), from the route table. */
const ROUTES = Object.fromEntries(routesOf('admin').map((r) => [r.path, r.methods[0]])) as Readonly<Record<RouteName, RouteMethod>>;

interface Call {
  readonly route: RouteName;
  readonly event: HttpEvent;
  /** Identity of the accepted credential: what the audit log, rate limit and idempotency are keyed on. */
  readonly who: string;
  readonly idempotencyKey?: string;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * The admin function: parses, authenticates, rate-limits, makes POSTs idempotent, calls the
 * invalidation manager and answers. Every answer is JSON; errors are `{"error", "message"}`.
 */
export function createAdminApi(deps: AdminApiDeps): (event: HttpEvent) => Promise<HttpResult> {
  const metrics = deps.metrics ?? NOOP_METRICS;
  const logger = deps.logger ?? functionLogger('admin');
  const now = deps.now ?? (() => performance.now());
  const manager = new CacheInvalidationManager({
    redis: deps.cacheRedis,
    guardrails: deps.guardrailsRedis,
    cacheShards: deps.cacheShards,
    env: deps.env,
    surfaces: deps.surfaces,
    metrics,
    prefixPurge: deps.prefixPurge,
  });
  const log = new InvalidationLog(deps.guardrailsRedis, deps.env, deps.logCapacity);
  const surfaceNames = deps.surfaces.map((s) => s.name);

  async function invalidate(call: Call): Promise<HttpResult> {
    const body = parseJsonObject(call.event.body, call.event.isBase64Encoded, deps.maxBodyBytes ?? REQUEST_LIMITS.maxBodyBytes);
    const request = parseInvalidateRequest(body);
    const started = now();
    let outcome: InvalidationOutcome;
    try {
      outcome = await manager.invalidate(request);
    } catch (error) {
      // Only failures of an invalidation that was attempted are logged; bad requests are not invalidations.
      if (error instanceof RedisUnavailableError) {
        await record(call, request, { result: 'failed', detail: { error: error.code }, durationMs: round(now() - started) });
      }
      throw error;
    }
    const durationMs = round(now() - started);
    const { kind, ...detail } = outcome;
    const logged = await record(call, request, { result: 'ok', detail: summary(detail), durationMs });
    return json(200, { ok: true, kind, ...detail, durationMs, logged });
  }

  /** Logs an invalidation; a log failure never turns a done invalidation into an error. */
  async function record(call: Call, request: InvalidateRequest, result: Pick<InvalidationLogEntry, 'result' | 'detail' | 'durationMs'>): Promise<boolean> {
    const { kind, ...target } = request;
    try {
      await log.record({
        at: new Date().toISOString(),
        who: call.who,
        kind,
        target,
        ...result,
        ...(call.idempotencyKey ? { idempotencyKey: call.idempotencyKey } : {}),
      });
      return true;
    } catch {
      return false;
    }
  }

  async function bypass(call: Call): Promise<HttpResult> {
    const request = parseBypassRequest(parseJsonObject(call.event.body, call.event.isBase64Encoded, deps.maxBodyBytes ?? REQUEST_LIMITS.maxBodyBytes));
    if (!surfaceNames.includes(request.surface)) throw new UnknownSurfaceError(request.surface, surfaceNames);
    const started = now();
    const state = await redisCall('setting the bypass flag', () => setBypass({ cache: deps.cacheShards?.get(request.surface) ?? deps.cacheRedis, guardrails: deps.guardrailsRedis }, deps.env, request.surface, request.enabled, request.ttlSeconds));
    return json(200, { ok: true, surface: request.surface, enabled: state.enabled, ttlSeconds: state.ttlSeconds, durationMs: round(now() - started) });
  }

  async function allowlist(call: Call): Promise<HttpResult> {
    const body = parseJsonObject(call.event.body, call.event.isBase64Encoded, deps.maxBodyBytes ?? REQUEST_LIMITS.maxBodyBytes);
    const request = parseAllowlistRequest(body, deps.allowLoopbackClients);
    const started = now();
    const granted = await redisCall('writing the allowlist entry', () => deps.rateLimiter.allowTemporaryAccess(request.ip, request.ttlSeconds));
    return json(200, {
      ok: true,
      ip: granted.ip,
      ttlSeconds: request.ttlSeconds,
      expiresAt: new Date(granted.expiresAtEpochMs).toISOString(),
      durationMs: round(now() - started),
    });
  }

  async function status(call: Call): Promise<HttpResult> {
    const windowSeconds = parseWindow(call.event.queryStringParameters?.window);
    const started = now();
    const [stats, bypassStates, recent] = await allSettledOrThrow([
      redisCall('reading hit counters', () => deps.hitStats.read(windowSeconds)),
      redisCall('reading bypass flags', () => allSettledOrThrow(surfaceNames.map((s) => getBypass(deps.guardrailsRedis, deps.env, s)))),
      redisCall('reading the invalidation log', () => log.recent(20)),
    ]);
    return json(200, {
      env: deps.env,
      time: new Date().toISOString(),
      ...stats,
      surfaces: surfaceNames.map((name, i) => ({ name, bypass: { enabled: bypassStates[i].enabled, ttlSeconds: bypassStates[i].ttlSeconds } })),
      recentInvalidations: recent,
      durationMs: round(now() - started),
    });
  }

  const handlers: Record<RouteName, (call: Call) => Promise<HttpResult>> = {
    '/admin/invalidate': invalidate,
    '/admin/bypass': bypass,
    '/admin/allowlist': allowlist,
    '/admin/status': status,
  };

  async function dispatch(event: HttpEvent): Promise<{ route: string; result: HttpResult }> {
    const method = event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
    const path = (event.rawPath ?? '/').replace(/\/+$/, '') || '/';
    if (!(path in ROUTES)) return { route: 'unmatched', result: jsonError(404, 'not_found', `no admin route ${path}; routes: ${Object.keys(ROUTES).join(', ')}`) };
    const route = path as RouteName;
    if (method !== ROUTES[route]) {
      return { route, result: jsonError(405, 'method_not_allowed', `${route} accepts ${ROUTES[route]}, got ${method}`, { allow: ROUTES[route] }) };
    }
    return { route, result: await authorized(route, event) };
  }

  async function authorized(route: RouteName, event: HttpEvent): Promise<HttpResult> {
    let auth;
    try {
      auth = await deps.authenticator.authenticate(event.headers);
    } catch (error) {
      return errorResponse(new AdminError(503, 'admin_auth_unavailable', 'the admin token store is unavailable; retry shortly'), event, logger, error);
    }
    if (!auth.ok) return unauthorizedResponse(auth.reason);
    const who = callerIdentity(event, auth.identity);
    const decision = await deps.rateLimiter.limitClient(ADMIN_BUCKET, { ip: clientIp(event), apiKey: who });
    if (!decision.allowed) return rateLimitedResponse(decision);
    const withLimits = (result: HttpResult): HttpResult => ({ ...result, headers: { ...decision.headers, ...result.headers } });
    if (ROUTES[route] === 'POST') {
      try {
        requireJsonContentType(header(event.headers, 'content-type'));
      } catch (error) {
        return withLimits(errorResponse(error, event, logger));
      }
    }

    const idempotencyKey = header(event.headers, 'idempotency-key');
    const call: Call = { route, event, who, idempotencyKey };
    if (idempotencyKey === undefined || ROUTES[route] !== 'POST') return withLimits(await answer(call));
    try {
      validateIdempotencyKey(idempotencyKey);
    } catch (error) {
      return withLimits(errorResponse(error, event, logger));
    }
    const fingerprint = requestFingerprint('POST', route, bodyText(event));
    try {
      const result = await deps.idempotency.run('admin', idempotencyKey, fingerprint, async () => answer(call), who);
      return withLimits(result.response as HttpResult);
    } catch (error) {
      return withLimits(errorResponse(new RedisUnavailableError('the idempotency check', error), event, logger));
    }
  }

  async function answer(call: Call): Promise<HttpResult> {
    try {
      return await handlers[call.route](call);
    } catch (error) {
      return errorResponse(error, call.event, logger);
    }
  }

  return async (event: HttpEvent): Promise<HttpResult> => {
    const started = now();
    let outcome: { route: string; result: HttpResult };
    try {
      outcome = await dispatch(event);
    } catch (error) {
      outcome = { route: 'unmatched', result: errorResponse(error, event, logger) };
    }
    const method = event.requestContext?.http?.method?.toUpperCase() ?? 'OTHER';
    metrics.observe('http_request_duration_seconds', (now() - started) / 1000, {
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(method) ? method : 'OTHER',
      route: outcome.route,
      status_code: String(outcome.result.statusCode),
    });
    if (deps.beforeAnswer) await deps.beforeAnswer().catch(() => undefined);
    return outcome.result;
  };
}

async function redisCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AdminError || error instanceof KeyError || error instanceof GuardrailInputError || error instanceof RangeError) throw error;
    throw new RedisUnavailableError(what, error);
  }
}

/**
 * Who is calling: the IAM principal API Gateway verified (admin routes take AWS IAM authorization in
 * staging and prod), then the fingerprint of the token the authenticator accepted. Never re-read
 * from headers: only what was checked names the caller.
 */
function callerIdentity(event: HttpEvent, tokenIdentity: string): string {
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } } | undefined)?.authorizer?.iam?.userArn;
  return iam ? `${iam} ${tokenIdentity}` : tokenIdentity;
}

const MAX_WINDOW_SECONDS = 31 * 86_400;

function parseWindow(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  let seconds: number;
  try {
    seconds = parseDurationSeconds(raw, 'window');
  } catch (error) {
    throw new AdminError(400, 'invalid_request', (error as Error).message);
  }
  if (seconds > MAX_WINDOW_SECONDS) throw new AdminError(400, 'invalid_request', `window must be at most 31d, got ${JSON.stringify(raw)}`);
  return seconds;
}

/** Log detail: counts and generations, not the full key lists (those are in the request target). */
function summary(detail: Omit<InvalidationOutcome, 'kind'>): Record<string, unknown> {
  const { keys: _keys, ...rest } = detail;
  return rest;
}

/**
 * The answer for a failure. 4xx messages describe the caller's input; a 5xx never carries internal
 * text: the cause is logged under a request id the answer carries (body and `X-Request-Id`).
 */
function errorResponse(error: unknown, event: HttpEvent, logger: Logger, cause: unknown = error instanceof RedisUnavailableError ? error.cause : error): HttpResult {
  if (error instanceof UnknownEventError) return jsonError(422, 'unknown_event', error.message);
  if (error instanceof EventDataError) return jsonError(400, 'invalid_event_data', error.message);
  if (error instanceof KeyError) return jsonError(400, error.code, error.message);
  if (error instanceof GuardrailInputError) return jsonError(400, error.code, error.message);
  if (error instanceof AdminError && error.status < 500) return jsonError(error.status, error.code, error.message);
  const known = error instanceof AdminError ? error : new AdminError(500, 'internal_error', 'the admin request failed unexpectedly');
  const requestId = event.requestContext?.requestId || randomUUID();
  logger.error('admin request failed', { requestId, code: known.code, cause: describeCause(cause) });
  return jsonError(known.status, known.code, `${known.message} (request id ${requestId})`, { 'x-request-id': requestId });
}
