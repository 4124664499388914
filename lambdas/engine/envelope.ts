/**
 * The envelope stored per cache entry: a JSON string (safe for the REST client with
 * `automaticDeserialization: false`) whose body is base64, so binary payloads round-trip byte for
 * byte. A `sha256-<base64>` checksum covers every field that is served or trusted; anything that
 * does not parse, verify or match the schema throws `CorruptEntryError` (the engine then deletes
 * the entry, counts it and reads it as a miss).
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';

export const ENVELOPE_SCHEMA_VERSION = 1;
/** Bodies at least this large are compressed when that makes them smaller. */
export const DEFAULT_COMPRESS_ABOVE_BYTES = 1024;
/** Upper bound when inflating a stored body, against a corrupt or hostile entry. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export type BodyEncoding = 'identity' | 'gzip' | 'br';

export interface CachedPayload {
  readonly status: number;
  /** Selected response headers, lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The generations an entry was written under; a bump of either makes it a miss. */
export interface Generations {
  readonly surface: string;
  readonly resource: string;
}

export interface EnvelopeInput {
  readonly surfaceVersion: number;
  readonly storedAtMs: number;
  readonly ttlSeconds: number;
  /** How long past the TTL the entry may be served stale. */
  readonly staleSeconds: number;
  readonly generations: Generations;
  /** How long the origin took to produce the payload (XFetch early refresh). */
  readonly originMs: number;
  readonly payload: CachedPayload;
}

export interface Envelope extends EnvelopeInput {
  readonly schemaVersion: number;
  /** `sha256-<base64>` over every other field and the stored body bytes. */
  readonly checksum: string;
  /** Strong ETag of the representation (body + content type), quoted. */
  readonly etag: string;
  /** How the body is stored. */
  readonly encoding: BodyEncoding;
}

export interface EncodeOptions {
  /** @default DEFAULT_COMPRESS_ABOVE_BYTES */
  readonly compressAboveBytes?: number;
  /** @default 'br' */
  readonly compression?: Exclude<BodyEncoding, 'identity'>;
}

export interface EncodedEnvelope {
  /** The string to store. */
  readonly value: string;
  readonly envelope: Envelope;
}

export type CorruptReason = 'unparseable' | 'schema' | 'checksum' | 'body';

export class CorruptEntryError extends Error {
  constructor(readonly reason: CorruptReason, message: string) {
    super(`corrupt cache entry (${reason}): ${message}`);
    this.name = 'CorruptEntryError';
  }
}

interface StoredShape {
  schema: number;
  surfaceVersion: number;
  checksum: string;
  storedAt: number;
  ttl: number;
  stale: number;
  generations: [string, string];
  originMs: number;
  etag: string;
  status: number;
  headers: Record<string, string>;
  encoding: BodyEncoding;
  body: string;
}

/** Strong ETag: sha256 of the body and its content type, base64url, quoted. */
export function strongEtag(body: Uint8Array, contentType = ''): string {
  return `"${createHash('sha256').update(contentType).update('\n').update(body).digest('base64url')}"`;
}

function sortedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers).sort()) out[name] = headers[name] as string;
  return out;
}

function checksumOf(s: Omit<StoredShape, 'checksum' | 'body'>, stored: Uint8Array): string {
  const meta = JSON.stringify([s.schema, s.surfaceVersion, s.storedAt, s.ttl, s.stale, s.generations, s.originMs,
    s.etag, s.status, sortedHeaders(s.headers), s.encoding]);
  return `sha256-${createHash('sha256').update(meta).update('\n').update(stored).digest('base64')}`;
}

function compress(body: Uint8Array, encoding: Exclude<BodyEncoding, 'identity'>): Buffer {
  return encoding === 'gzip'
    ? gzipSync(body, { level: 6 })
    // Quality 5: most of brotli's gain at a fraction of the default (11) cost on the write path.
    : brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } });
}

function inflate(stored: Buffer, encoding: BodyEncoding): Uint8Array {
  if (encoding === 'identity') return stored;
  try {
    return encoding === 'gzip'
      ? gunzipSync(stored, { maxOutputLength: MAX_INFLATED_BYTES })
      : brotliDecompressSync(stored, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (e) {
    throw new CorruptEntryError('body', `cannot inflate ${encoding} body: ${(e as Error).message}`);
  }
}

export function encodeEnvelope(input: EnvelopeInput, opts: EncodeOptions = {}): EncodedEnvelope {
  const threshold = opts.compressAboveBytes ?? DEFAULT_COMPRESS_ABOVE_BYTES;
  const body = input.payload.body;
  let encoding: BodyEncoding = 'identity';
  let stored: Uint8Array = body;
  if (body.byteLength >= threshold) {
    const algorithm = opts.compression ?? 'br';
    const compressed = compress(body, algorithm);
    if (compressed.byteLength < body.byteLength) {
      encoding = algorithm;
      stored = compressed;
    }
  }
  const headers = sortedHeaders(input.payload.headers);
  const etag = strongEtag(body, headers['content-type']);
  const meta: Omit<StoredShape, 'checksum' | 'body'> = {
    schema: ENVELOPE_SCHEMA_VERSION,
    surfaceVersion: input.surfaceVersion,
    storedAt: input.storedAtMs,
    ttl: input.ttlSeconds,
    stale: input.staleSeconds,
    generations: [input.generations.surface, input.generations.resource],
    originMs: input.originMs,
    etag,
    status: input.payload.status,
    headers,
    encoding,
  };
  const checksum = checksumOf(meta, stored);
  const shape: StoredShape = { ...meta, checksum, body: Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).toString('base64') };
  return {
    value: JSON.stringify(shape),
    envelope: { ...input, payload: { ...input.payload, headers }, schemaVersion: ENVELOPE_SCHEMA_VERSION, checksum, etag, encoding },
  };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function assertShape(v: unknown): asserts v is StoredShape {
  const bad = (field: string): never => { throw new CorruptEntryError('unparseable', `field ${field} is missing or has the wrong type`); };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('(root)');
  const s = v as Record<string, unknown>;
  if (!isInt(s.schema)) bad('schema');
  if (s.schema !== ENVELOPE_SCHEMA_VERSION) {
    throw new CorruptEntryError('schema', `schema version ${String(s.schema)}, expected ${ENVELOPE_SCHEMA_VERSION}`);
  }
  if (!isInt(s.surfaceVersion)) bad('surfaceVersion');
  if (!isStr(s.checksum)) bad('checksum');
  if (!isInt(s.storedAt)) bad('storedAt');
  if (!isInt(s.ttl) || (s.ttl as number) < 0) bad('ttl');
  if (!isInt(s.stale) || (s.stale as number) < 0) bad('stale');
  const g = s.generations;
  if (!Array.isArray(g) || g.length !== 2 || !isStr(g[0]) || !isStr(g[1])) bad('generations');
  if (typeof s.originMs !== 'number' || !Number.isFinite(s.originMs)) bad('originMs');
  if (!isStr(s.etag)) bad('etag');
  if (!isInt(s.status) || (s.status as number) < 100 || (s.status as number) > 599) bad('status');
  const h = s.headers;
  if (typeof h !== 'object' || h === null || Array.isArray(h) || !Object.values(h).every(isStr)) bad('headers');
  if (s.encoding !== 'identity' && s.encoding !== 'gzip' && s.encoding !== 'br') bad('encoding');
  if (!isStr(s.body) || !/^[A-Za-z0-9+/]*={0,2}$/.test(s.body)) bad('body');
}

/** Parses and verifies a stored value. Throws `CorruptEntryError` for anything not written by `encodeEnvelope`. */
export function decodeEnvelope(value: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new CorruptEntryError('unparseable', 'not JSON');
  }
  assertShape(parsed);
  const stored = Buffer.from(parsed.body, 'base64');
  if (checksumOf(parsed, stored) !== parsed.checksum) {
    throw new CorruptEntryError('checksum', 'checksum mismatch');
  }
  const body = inflate(stored, parsed.encoding);
  return {
    schemaVersion: parsed.schema,
    surfaceVersion: parsed.surfaceVersion,
    checksum: parsed.checksum,
    storedAtMs: parsed.storedAt,
    ttlSeconds: parsed.ttl,
    staleSeconds: parsed.stale,
    generations: { surface: parsed.generations[0], resource: parsed.generations[1] },
    originMs: parsed.originMs,
    etag: parsed.etag,
    encoding: parsed.encoding,
    payload: { status: parsed.status, headers: parsed.headers, body },
  };
}
