import type { ErrorCode } from '../../contracts/error-codes';

/** An admin request that cannot be done as asked: answered with `status` and `{"error": code}`. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

/** The surface is not configured in this environment (HTTP 422). */
export class UnknownSurfaceError extends AdminError {
  constructor(surface: string, known: readonly string[]) {
    super(422, 'unknown_surface', `unknown surface ${JSON.stringify(surface)}: expected one of ${known.join(', ')}`);
    this.name = 'UnknownSurfaceError';
  }
}

/**
 * Redis did not do what was asked (unreachable, timed out, or refused): HTTP 503. Nothing is
 * claimed done; repeating an invalidation is harmless, so the caller can retry. The cause is for the
 * log only ({@link describeCause}); the client's message never carries it.
 */
export class RedisUnavailableError extends AdminError {
  constructor(
    what: string,
    readonly cause: unknown,
  ) {
    super(503, 'redis_unavailable', `${what} failed because Redis is unavailable; nothing is reported done, retry is safe`);
    this.name = 'RedisUnavailableError';
  }
}

/** Internal error text for a log line (bounded), never for an answer. */
export function describeCause(cause: unknown): string {
  const text = cause instanceof Error ? (cause.name === 'Error' ? cause.message : `${cause.name}: ${cause.message}`) : String(cause);
  return text.slice(0, 200);
}
