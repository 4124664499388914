import { routableUnicastIp } from '../guardrails/ip-address';
import { AdminError } from './errors';

/**
 * Parsing and syntactic validation of admin request bodies. Whether a key, surface or event exists
 * is checked later by the invalidation manager against the environment.
 */

export type InvalidateRequest =
  | { readonly kind: 'keys'; readonly keys: readonly string[] }
  | { readonly kind: 'prefix'; readonly prefix: string; readonly cursor: string; readonly limit?: number }
  | { readonly kind: 'event'; readonly event: string; readonly data: unknown }
  | { readonly kind: 'surface'; readonly surface: string };

export type InvalidationKind = InvalidateRequest['kind'];

export interface BypassRequest {
  readonly surface: string;
  readonly enabled: boolean;
  readonly ttlSeconds: number;
}

export interface AllowlistRequest {
  readonly ip: string;
  readonly ttlSeconds: number;
}

export const REQUEST_LIMITS = {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: 64 * 1024,
  /** Deepest nesting of arrays and objects accepted (event data included). */
  maxJsonDepth: 32,
  /** Exact keys per request. */
  maxKeys: 1000,
  maxPrefixLength: 512,
  /** Keys one prefix request may delete before answering `more: true`. */
  maxPrefixLimit: 10_000,
  maxBypassTtlSeconds: 24 * 60 * 60,
  defaultBypassTtlSeconds: 60 * 60,
  maxAllowlistTtlSeconds: 7 * 24 * 60 * 60,
  defaultAllowlistTtlSeconds: 600,
} as const;

const bad = (message: string): AdminError => new AdminError(400, 'invalid_request', message);

const JSON_MEDIA_TYPE = /^application\/json[ \t]*(;.*)?$/i;

/** Admin bodies are JSON only: anything else is refused with 415 before it is read. */
export function requireJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType.trim())) {
    throw new AdminError(415, 'unsupported_media_type', `send the body as Content-Type: application/json, got ${contentType === undefined ? 'none' : JSON.stringify(contentType.slice(0, 100))}`);
  }
}

/** Whether arrays and objects nest deeper than `max` (strings skipped), found in one pass before parsing. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Decodes (base64 when flagged), size- and depth-checks and JSON-parses a body that must be a JSON object. */
export function parseJsonObject(body: string | undefined, isBase64Encoded: boolean | undefined, maxBytes: number): Record<string, unknown> {
  if (body === undefined || body === '') throw new AdminError(400, 'malformed_json', 'request body is empty: send a JSON object');
  const buffer = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (buffer.byteLength > maxBytes) {
    throw new AdminError(413, 'payload_too_large', `request body is ${buffer.byteLength} bytes; the limit is ${maxBytes}`);
  }
  const text = buffer.toString('utf8');
  if (nestsDeeperThan(text, REQUEST_LIMITS.maxJsonDepth)) {
    throw new AdminError(400, 'too_deep', `request body nests arrays and objects more than ${REQUEST_LIMITS.maxJsonDepth} levels deep`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AdminError(400, 'malformed_json', `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AdminError(400, 'malformed_json', 'request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(body).filter((field) => !allowed.includes(field));
  if (unknown.length > 0) throw bad(`${what}: unknown field(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
}

function nonEmptyString(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0) throw bad(`${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  if (value.length > maxLength) throw bad(`${field} must be at most ${maxLength} characters, got ${value.length}`);
  // Control characters never belong in keys and would make logs misleading.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw bad(`${field} must not contain control characters`);
  return value;
}

function integerInRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`${field} must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

const MODES = ['keys', 'prefix', 'event', 'surface'] as const;

/** `POST /admin/invalidate`: exactly one of `keys`, `prefix`, `event` or `surface` (+ `bump: true`). */
export function parseInvalidateRequest(body: Record<string, unknown>): InvalidateRequest {
  const present = MODES.filter((mode) => body[mode] !== undefined);
  if (present.length !== 1) {
    throw bad(
      present.length === 0
        ? 'send one of {"keys": [...]}, {"prefix": "..."}, {"event": "...", "data": {...}} or {"surface": "...", "bump": true}'
        : `send only one of keys, prefix, event, surface; got ${present.join(' and ')}`,
    );
  }
  switch (present[0]) {
    case 'keys': {
      rejectUnknownFields(body, ['keys'], 'keys invalidation');
      const keys = body.keys;
      if (!Array.isArray(keys) || keys.length === 0) throw bad(`keys must be a non-empty array of strings, got ${JSON.stringify(keys)}`);
      if (keys.length > REQUEST_LIMITS.maxKeys) throw bad(`at most ${REQUEST_LIMITS.maxKeys} keys per request, got ${keys.length}`);
      return { kind: 'keys', keys: [...new Set(keys.map((key, i) => nonEmptyString(key, `keys[${i}]`, REQUEST_LIMITS.maxPrefixLength)))] };
    }
    case 'prefix': {
      rejectUnknownFields(body, ['prefix', 'cursor', 'limit'], 'prefix purge');
      const prefix = nonEmptyString(body.prefix, 'prefix', REQUEST_LIMITS.maxPrefixLength);
      // Keys never hold glob characters, so a prefix with one can only be a wildcard attempt:
      // refuse it rather than answer "0 deleted". The purge also matches literally (prefix-purge.ts).
      if (/[*?[\]\\]/.test(prefix)) {
        throw bad(`prefix ${JSON.stringify(prefix.slice(0, 80))} holds a glob character (* ? [ ] \\); prefixes match literally: send the literal start of the keys, e.g. "dev:marketing:blog."`);
      }
      const cursor = body.cursor === undefined ? '0' : body.cursor;
      if (typeof cursor !== 'string' || !/^\d{1,20}$/.test(cursor)) {
        throw bad(`cursor must be the decimal string a previous answer returned, got ${JSON.stringify(body.cursor)}`);
      }
      const limit = body.limit === undefined ? undefined : integerInRange(body.limit, 'limit', 1, REQUEST_LIMITS.maxPrefixLimit);
      return { kind: 'prefix', prefix, cursor, limit };
    }
    case 'event': {
      rejectUnknownFields(body, ['event', 'data'], 'event invalidation');
      return { kind: 'event', event: nonEmptyString(body.event, 'event', 128), data: body.data };
    }
    case 'surface': {
      rejectUnknownFields(body, ['surface', 'bump'], 'surface bump');
      if (body.bump !== true) throw bad(`a surface invalidation bumps its generation: send "bump": true, got ${JSON.stringify(body.bump)}`);
      return { kind: 'surface', surface: nonEmptyString(body.surface, 'surface', 64) };
    }
  }
}

/** `POST /admin/bypass`: `{"surface", "enabled", "ttlSeconds"?}`; a bypass always expires. */
export function parseBypassRequest(body: Record<string, unknown>): BypassRequest {
  rejectUnknownFields(body, ['surface', 'enabled', 'ttlSeconds'], 'bypass');
  const surface = nonEmptyString(body.surface, 'surface', 64);
  if (typeof body.enabled !== 'boolean') throw bad(`enabled must be true or false, got ${JSON.stringify(body.enabled)}`);
  const ttlSeconds =
    body.ttlSeconds === undefined
      ? REQUEST_LIMITS.defaultBypassTtlSeconds
      : integerInRange(body.ttlSeconds, 'ttlSeconds', 1, REQUEST_LIMITS.maxBypassTtlSeconds);
  return { surface, enabled: body.enabled, ttlSeconds };
}

/** `POST /admin/allowlist`: `{"ip", "ttlSeconds"?}`; the ip in its canonical form, routable unicast only. */
export function parseAllowlistRequest(body: Record<string, unknown>, allowLoopback = false): AllowlistRequest {
  rejectUnknownFields(body, ['ip', 'ttlSeconds'], 'allowlist');
  const ip = routableUnicastIp(nonEmptyString(body.ip, 'ip', 64), allowLoopback);
  const ttlSeconds =
    body.ttlSeconds === undefined
      ? REQUEST_LIMITS.defaultAllowlistTtlSeconds
      : integerInRange(body.ttlSeconds, 'ttlSeconds', 1, REQUEST_LIMITS.maxAllowlistTtlSeconds);
  return { ip, ttlSeconds };
}
