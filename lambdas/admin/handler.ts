/**
 * The admin (invalidation) function: API Gateway HTTP API (payload 2.0) in, `createAdminApi` out.
 * Routes: `POST /admin/invalidate`, `POST /admin/bypass`, `POST /admin/allowlist`, `GET /admin/status`.
 *
 * Environment (the same names as the cache function):
 * - `CACHE_ENV` (`dev` | `staging` | `prod`, default `dev`) picks the typed config.
 * - In AWS (set by the runtime stack): `UPSTASH_CACHE_SECRET_ID`, `UPSTASH_GUARDRAILS_SECRET_ID` and
 *   `ADMIN_TOKEN_SECRET_ID` name the Secrets Manager secrets, read through the cached reader.
 * - Locally, instead: `UPSTASH_REDIS_REST_URL` / `_TOKEN` (cache database),
 *   `UPSTASH_GUARDRAILS_REST_URL` / `_TOKEN` (guardrails database: log, idempotency, allowlist,
 *   metrics) and `ADMIN_TOKEN` (comma-separated during a rotation overlap).
 */
import { FunctionContext, type FunctionContextOptions } from '../bootstrap/function-context';
import type { HttpEvent, HttpResult } from '../shared/http';
import { httpHandler } from '../shared/per-container';
import { assembleAdminApi } from './assemble';

/** See FunctionContextOptions. */
export interface AdminFunctionOptions extends FunctionContextOptions {
  /** Accept loopback addresses on the allowlist (the dev server's clients). @default false */
  readonly allowLoopbackClients?: boolean;
}

export type AdminFunction = (event: HttpEvent) => Promise<HttpResult>;

/** Builds the function once per container: both clients, the guardrails, the manager. */
export async function createAdminFunction(opts: AdminFunctionOptions = {}): Promise<AdminFunction> {
  const ctx = new FunctionContext('admin', opts);
  const [cacheRedis, guardrailsRedis, cacheShards] = await Promise.all([ctx.database('cache'), ctx.database('guardrails'), ctx.cacheShardDatabases()]);
  return assembleAdminApi({
    env: ctx.config,
    cacheRedis,
    guardrailsRedis,
    cacheShards,
    adminTokens: ctx.tokens('admin'),
    metrics: ctx.metrics,
    logger: ctx.logger,
    // Awaited before answering: Lambda freezes after the response, so nothing may be left in flight.
    beforeAnswer: () => ctx.metrics.flushIfDue(guardrailsRedis),
    overrides: { allowLoopbackClients: opts.allowLoopbackClients ?? false },
  });
}

export const handler = httpHandler('admin', () => createAdminFunction());
