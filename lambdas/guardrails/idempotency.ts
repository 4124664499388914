import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { GuardrailInputError } from './errors';
import { jsonError, type HttpResult } from '../shared/http';

/** The part of an answer kept for a key and replayed to its repeats. */
interface StoredResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded?: boolean;
}

/**
 * - `executed`: first request with this key; `fn` ran and its answer was kept (unless 5xx).
 * - `replayed`: a repeat; the first answer, with `Idempotent-Replayed: true`.
 * - `in_progress`: the first request is still running: 409 with `Retry-After` (not stored).
 * - `mismatch`: the key was used for a different request: 422 (not stored).
 */
export type IdempotencyOutcome = 'executed' | 'replayed' | 'in_progress' | 'mismatch';

export interface IdempotentResult {
  readonly outcome: IdempotencyOutcome;
  readonly response: HttpResult;
}

export interface IdempotencyStoreOptions {
  /** `@upstash/redis` client of the guardrails database. */
  readonly redis: Redis;
  /** Environment name: keys are `<env>:idem:<scope>:<sha256 of the caller and the key>`. */
  readonly env: string;
  /** How long a finished answer is replayed. @default 86400 (24 h) */
  readonly ttlSeconds?: number;
  /** Lease of a request in progress, so a crashed one frees its key. @default 60 */
  readonly inProgressTtlSeconds?: number;
}

interface PendingRecord { readonly state: 'pending'; readonly owner: string; readonly fingerprint: string }
interface DoneRecord { readonly state: 'done'; readonly fingerprint: string; readonly response: StoredResponse }
type IdempotencyRecord = PendingRecord | DoneRecord;

// Returns the existing record, or claims the key with the pending record and returns nil.
const BEGIN = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;
// Replaces our own pending record only (a lease that expired and was re-claimed is left alone).
const COMPLETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;
const ABANDON = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const SCOPE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * `Idempotency-Key` support for admin requests: the first request with a key runs and its answer is
 * stored for `ttlSeconds`; repeats get that answer back. A repeat that arrives while the first is
 * still running gets 409 `idempotency_in_progress` with `Retry-After: 1` at once rather than
 * waiting, so a Lambda never holds a request open on another one; its retry gets the replay.
 * 5xx answers and thrown errors are not stored, so the client can retry them.
 */
export class IdempotencyStore {
  private readonly redis: Redis;
  private readonly env: string;
  private readonly ttlMs: number;
  private readonly inProgressTtlMs: number;

  constructor(options: IdempotencyStoreOptions) {
    this.redis = options.redis;
    this.env = options.env;
    this.ttlMs = seconds('ttlSeconds', options.ttlSeconds ?? 86_400) * 1000;
    this.inProgressTtlMs = seconds('inProgressTtlSeconds', options.inProgressTtlSeconds ?? 60) * 1000;
  }

  /**
   * Runs `fn` once per (`scope`, `caller`, `idempotencyKey`). `fingerprint` identifies the request
   * (see {@link requestFingerprint}); the same key with another fingerprint is refused with 422.
   * `caller` (the authenticated identity) scopes keys, so two callers choosing the same key neither
   * collide nor learn of each other's requests.
   */
  async run(
    scope: string, idempotencyKey: string, fingerprint: string, fn: () => Promise<HttpResult>, caller = '',
  ): Promise<IdempotentResult> {
    const key = this.key(scope, caller, idempotencyKey);
    const pending = JSON.stringify({
      state: 'pending', owner: randomBytes(16).toString('hex'), fingerprint,
    } satisfies PendingRecord);
    const existing = await this.redis.eval(BEGIN, [key], [pending, String(this.inProgressTtlMs)]);
    if (existing !== null && existing !== undefined) return this.answerRepeat(parseRecord(existing), fingerprint);

    let response: HttpResult;
    try {
      response = await fn();
    } catch (error) {
      await this.redis.eval(ABANDON, [key], [pending]).catch(() => 0);
      throw error;
    }
    const statusCode = response.statusCode ?? 200;
    if (statusCode >= 500) {
      await this.redis.eval(ABANDON, [key], [pending]);
    } else {
      const stored: StoredResponse = {
        statusCode, headers: response.headers, body: response.body ?? '',
        ...(response.isBase64Encoded ? { isBase64Encoded: true } : {}),
      };
      const done = JSON.stringify({ state: 'done', fingerprint, response: stored } satisfies DoneRecord);
      await this.redis.eval(COMPLETE, [key], [pending, done, String(this.ttlMs)]);
    }
    return { outcome: 'executed', response };
  }

  private answerRepeat(record: IdempotencyRecord, fingerprint: string): IdempotentResult {
    if (record.fingerprint !== fingerprint) {
      return {
        outcome: 'mismatch',
        response: jsonError(422, 'idempotency_key_reused',
          'this Idempotency-Key was already used for a different request; use a new key'),
      };
    }
    if (record.state === 'pending') {
      return {
        outcome: 'in_progress',
        response: jsonError(409, 'idempotency_in_progress',
          'a request with this Idempotency-Key is still in progress; retry to get its answer', { 'Retry-After': '1' }),
      };
    }
    const stored = record.response;
    return {
      outcome: 'replayed',
      response: { ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } },
    };
  }

  private key(scope: string, caller: string, idempotencyKey: string): string {
    validateIdempotencyKey(idempotencyKey);
    if (!SCOPE.test(scope)) {
      throw new GuardrailInputError('invalid_scope', `idempotency scope must be lowercase [a-z0-9._-], got ${JSON.stringify(scope)}`);
    }
    const digest = createHash('sha256').update(caller ? `${caller}\n${idempotencyKey}` : idempotencyKey).digest('hex');
    return `${this.env}:idem:${scope}:${digest}`;
  }
}

/** Throws a 400-worthy {@link GuardrailInputError} unless the header is 1 to 255 visible ASCII characters. */
export function validateIdempotencyKey(value: string): void {
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new GuardrailInputError('invalid_idempotency_key',
      `Idempotency-Key must be 1 to 255 visible ASCII characters, got ${value.length} characters`);
  }
}

/** A stable digest of what makes two requests "the same": method, path and body. */
export function requestFingerprint(method: string, path: string, body: string | undefined): string {
  return createHash('sha256').update(`${method.toUpperCase()}\n${path}\n${body ?? ''}`).digest('base64url');
}

/** Accepts the raw string or, with `automaticDeserialization` on, the object the client parsed. */
function parseRecord(raw: unknown): IdempotencyRecord {
  const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (typeof value === 'object' && value !== null && 'state' in value && 'fingerprint' in value) {
    return value as IdempotencyRecord;
  }
  throw new Error('unreadable idempotency record in Redis');
}

function seconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new GuardrailInputError('invalid_ttl', `${name} must be a whole number of seconds >= 1, got ${JSON.stringify(value)}`);
  }
  return value;
}
