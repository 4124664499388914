/**
 * Every `error` code of the platform's JSON error answers (`{"error": "<code>", "message": "..."}`):
 * clients branch on these, so one failure has one code wherever it happens.
 */
export const ERROR_CODES = {
  // 400: the request is malformed.
  invalid_request: 'A field is missing, of the wrong type or out of range.',
  malformed_json: 'The body is not a JSON object.',
  too_deep: 'The JSON body nests deeper than the limit.',
  bad_key: 'A cache key or one of its segments is not valid.',
  bad_prefix: 'An invalidation prefix is too short or outside the environment.',
  missing_key: 'The request names no key.',
  wrong_environment: 'A key or prefix belongs to another environment.',
  invalid_event_data: 'The data of an invalidation event does not fill its key templates.',
  invalid_deadline: 'A deadline is not a positive number of milliseconds.',
  invalid_duration: 'A duration is not a positive number.',
  invalid_idempotency_key: 'The Idempotency-Key header is not a short token.',
  invalid_identifier: 'A rate-limit identifier is empty or too long.',
  invalid_ip: 'An IP address or range is not valid.',
  invalid_lock_key: 'A lock key is not valid.',
  invalid_scope: 'An allowlist scope is not a configured bucket.',
  invalid_ttl: 'A TTL is not a positive whole number of seconds within its limit.',
  // 401, 404, 405, 409, 413, 415, 422, 429.
  unauthorized: 'No valid admin token was presented.',
  not_found: 'No route matches the path.',
  unknown_surface: 'The surface is not configured in this environment.',
  method_not_allowed: 'The route does not accept this method.',
  idempotency_in_progress: 'A request with this Idempotency-Key is still running.',
  payload_too_large: 'The body is larger than the limit.',
  unsupported_media_type: 'The body is not sent as application/json.',
  unknown_event: 'No invalidation event of this name is configured.',
  idempotency_key_reused: 'The Idempotency-Key was used for a different request.',
  rate_limited: 'The client is over its rate limit (see Retry-After).',
  // 5xx: the platform or a dependency failed; retrying later is safe.
  internal_error: 'An unexpected failure (details are in the logs, never in the answer).',
  origin_unavailable: 'The origin failed and no stale entry could be served.',
  origin_response_too_large: 'The origin answered more than the platform can return (Lambda: 6 MB); nothing was buffered past the cap.',
  redis_unavailable: 'An Upstash database did not answer; nothing is reported done.',
  rate_limiter_unavailable: 'The rate limiter could not decide and the bucket fails closed.',
  overloaded: 'The instance is at MAX_INFLIGHT (see Retry-After).',
  not_configured: 'The function could not start (configuration or secrets); see its logs.',
  metrics_unavailable: 'No guardrails database is configured, so there are no metrics to serve.',
  admin_auth_unavailable: 'The admin token source could not be read, so no token can be checked.',
  auth_unavailable: 'The read or metrics token source could not be read, so no token can be checked.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
