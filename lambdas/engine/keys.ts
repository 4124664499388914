/**
 * Every Redis key the cache engine reads or writes is built here, from validated segments, so
 * user input never reaches Redis (or a `SCAN MATCH` pattern) unchecked.
 *
 * Layout of the CACHE database:
 * - entry:            `<env>:<surface>:<resource>:<variant>`
 * - surface state:    `<env>:state:<surface>`            (mirror of the surface generation and the
 *                                                          bypass flag: `<generation>|<0 or 1>`)
 * - resource gen:     `<env>:gen:<surface>:<resource>`   (mirror; bumped to invalidate one resource)
 * - mirror fill mark: `<env>:fill:<mirror key without env>` (see `cache-state.ts`)
 * - refresh lock:     `<env>:lock:<surface>:<resource>:<variant>`
 * The hit path reads entry, surface state and resource generation in one `MGET`.
 * Generations and flags have names of their own: `<env>:gen:<surface>` (bumped to invalidate a
 * whole surface), `<env>:gen:<surface>:<resource>`, `<env>:flag:bypass:<surface>` (emergency
 * bypass, expires by itself). They are authoritative in the never-evicting GUARDRAILS database,
 * under `<env>:invalidation:<name without env>` (`authoritativeKey`); the cache database holds
 * mirrors whose absence never matches (docs/invariants.md). Releases before the surface state
 * mirror kept `<env>:gen:<surface>` and `<env>:flag:bypass:<surface>` as mirrors; changes still
 * delete them so instances of such a release stay right during a rolling deploy.
 * Surface names `gen`, `flag`, `lock`, `fill` and `state` are reserved (config/validate.ts rejects
 * them), so an entry key never collides with a mirror, fill mark or lock key.
 *
 * Resources come from URL paths: lowercase path segments joined with `.`, a `.` inside a path
 * segment written as `..` (so `blog/a.html` → `blog.a..html`); segments may not start or end with
 * `.`, which keeps the mapping one-to-one (`resourceFromPath` / `pathFromResource`).
 */
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../../contracts/error-codes';
import { RESERVED_SURFACE_NAMES } from '../../contracts/reserved-surface-names';

export class KeyError extends Error {
  /** HTTP status the caller should answer with. */
  readonly status = 400;
  readonly code = 'bad_key' satisfies ErrorCode;
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

export type KeySegmentName = 'env' | 'surface' | 'resource' | 'variant';

export const MAX_SEGMENT_LENGTH = 200;
export const MAX_KEY_LENGTH = 512;
/** Variant of a request that carries none of the surface's vary inputs. */
export const DEFAULT_VARIANT = 'default';

const SEGMENT = /^[a-z0-9._-]+$/;
const PATH_SEGMENT = /^[a-z0-9_-](?:[a-z0-9._-]*[a-z0-9_-])?$/;

/** Throws `KeyError` unless `value` is a valid key segment (lowercase `[a-z0-9._-]`, 1–200 chars). */
export function validateSegment(name: KeySegmentName, value: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new KeyError(`${name} must not be empty`);
  }
  if (value.length > MAX_SEGMENT_LENGTH) {
    throw new KeyError(`${name} is ${value.length} characters long; at most ${MAX_SEGMENT_LENGTH} are allowed`);
  }
  if (!SEGMENT.test(value)) {
    throw new KeyError(`${name} ${JSON.stringify(value.slice(0, 64))} may only contain lowercase letters, digits, '.', '_' and '-'`);
  }
  if (name === 'surface' && RESERVED_SURFACE_NAMES.includes(value)) {
    throw new KeyError(`surface ${JSON.stringify(value)} is a reserved name`);
  }
  return value;
}

export interface KeyParts {
  readonly env: string;
  readonly surface: string;
  readonly resource: string;
  readonly variant: string;
}

/** `<env>:<surface>:<resource>:<variant>`, every segment validated. */
export function buildKey(parts: KeyParts): string {
  const key = [
    validateSegment('env', parts.env),
    validateSegment('surface', parts.surface),
    validateSegment('resource', parts.resource),
    validateSegment('variant', parts.variant),
  ].join(':');
  if (key.length > MAX_KEY_LENGTH) throw new KeyError(`key is ${key.length} characters long; at most ${MAX_KEY_LENGTH} are allowed`);
  return key;
}

/** Inverse of `buildKey`; throws `KeyError` for anything `buildKey` could not have produced. */
export function parseKey(key: string): KeyParts {
  if (typeof key !== 'string' || key.length === 0) throw new KeyError('key must not be empty');
  if (key.length > MAX_KEY_LENGTH) throw new KeyError(`key is ${key.length} characters long; at most ${MAX_KEY_LENGTH} are allowed`);
  const parts = key.split(':');
  if (parts.length !== 4) throw new KeyError('key must have the form <env>:<surface>:<resource>:<variant>');
  const [env, surface, resource, variant] = parts as [string, string, string, string];
  validateSegment('env', env);
  validateSegment('surface', surface);
  validateSegment('resource', resource);
  validateSegment('variant', variant);
  return { env, surface, resource, variant };
}

/**
 * Resource segment of a URL path relative to the surface (`blog/hello-world` → `blog.hello-world`).
 * Leading and trailing slashes are ignored; empty, upper-case, percent-encoded or dot-edged
 * segments are rejected.
 */
export function resourceFromPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed.length === 0) throw new KeyError('path must not be empty');
  const segments = trimmed.split('/');
  for (const s of segments) {
    if (!PATH_SEGMENT.test(s)) {
      throw new KeyError(
        `path segment ${JSON.stringify(s.slice(0, 64))} must be lowercase [a-z0-9._-], not empty and not start or end with '.'`);
    }
  }
  return validateSegment('resource', segments.map((s) => s.replace(/\./g, '..')).join('.'));
}

/** Inverse of `resourceFromPath` (`blog.a..html` → `blog/a.html`). */
export function pathFromResource(resource: string): string {
  validateSegment('resource', resource);
  return resource.replace(/\.\.|\./g, (m) => (m === '..' ? '.' : '/'));
}

/**
 * Variant segment from the request inputs a surface varies on (`q:lang`, `h:accept`, ...).
 * Values are user input, so they are hashed: `default` when none is present, else `v` + 32 hex.
 */
export function variantOf(inputs: Readonly<Record<string, string | undefined>>): string {
  const present = Object.entries(inputs)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (present.length === 0) return DEFAULT_VARIANT;
  return `v${createHash('sha256').update(JSON.stringify(present)).digest('hex').slice(0, 32)}`;
}

/** Escapes glob metacharacters so a validated prefix is matched literally by `SCAN MATCH`. */
export function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export function surfaceGenerationKey(env: string, surface: string): string {
  return `${validateSegment('env', env)}:gen:${validateSegment('surface', surface)}`;
}

export function resourceGenerationKey(env: string, surface: string, resource: string): string {
  return `${surfaceGenerationKey(env, surface)}:${validateSegment('resource', resource)}`;
}

export function bypassFlagKey(env: string, surface: string): string {
  return `${validateSegment('env', env)}:flag:bypass:${validateSegment('surface', surface)}`;
}

/** Cache-database mirror of the surface generation and the bypass flag (`cache-state.ts`). */
export function surfaceStateKey(env: string, surface: string): string {
  return `${validateSegment('env', env)}:state:${validateSegment('surface', surface)}`;
}

function splitEnv(key: string): [string, string] {
  const i = key.indexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Guardrails-database key holding the authoritative value of a generation or flag mirror. */
export function authoritativeKey(mirrorKey: string): string {
  const [env, rest] = splitEnv(mirrorKey);
  return `${env}:invalidation:${rest}`;
}

/** Cache-database key a reader marks before repopulating a mirror (`cache-state.ts`). */
export function fillMarkKey(mirrorKey: string): string {
  const [env, rest] = splitEnv(mirrorKey);
  return `${env}:fill:${rest}`;
}

/** Refresh lock of one entry key (the distributed single flight). */
export function refreshLockKey(entryKey: string): string {
  const p = parseKey(entryKey);
  return lockKeyOf(p);
}

/** Refresh lock key from parts already validated by `buildKey`. */
export function lockKeyOf(p: KeyParts): string {
  return `${p.env}:lock:${p.surface}:${p.resource}:${p.variant}`;
}
