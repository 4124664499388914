/**
 * Reads what the maintenance jobs need to know about cache keys without moving values over REST:
 * one Lua script per batch returns, per key, its type, PTTL, size and the envelope's metadata
 * (schema, surface version, checksum, stored-at, ttl, stale window, generations), parsed from the
 * first 2 KiB of the value. Those fields precede the headers and the body in every envelope
 * `encodeEnvelope` writes, and a quote inside a JSON string is escaped, so a header or body can
 * never fake them. Values are never decoded whole, so a batch costs Redis little even for 1 MB
 * entries; only a value that is not an envelope (and not above `hashUpToBytes`) is hashed (SHA-1)
 * so a later delete can check it is unchanged.
 */
import type { Redis } from '@upstash/redis';

export const INSPECT_PREFIX_BYTES = 2048;

// KEYS: keys to inspect; ARGV[1]: largest non-envelope value to hash. Returns per key one line (few, small reply elements keep a 1000-key
// batch cheap to encode): type, pttl, bytes, schema, surfaceVersion, checksum, storedAt, ttl,
// stale, surfaceGen, resourceGen, sha1, separated by newlines; '' where a field is absent. No
// field can hold a raw newline (JSON escapes it).
export const INSPECT_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local t = redis.call('TYPE', key)['ok']
  local pttl = redis.call('PTTL', key)
  local row = {t, tostring(pttl), '0', '', '', '', '', '', '', '', '', ''}
  if t == 'string' then
    row[3] = tostring(redis.call('STRLEN', key))
    local head = redis.call('GETRANGE', key, 0, ${INSPECT_PREFIX_BYTES - 1})
    if string.sub(head, 1, 10) == '{"schema":' then
      row[4] = string.match(head, '^{"schema":(%d+)') or ''
      row[5] = string.match(head, '"surfaceVersion":(%d+)') or ''
      row[6] = string.match(head, '"checksum":"([^"]+)"') or ''
      row[7] = string.match(head, '"storedAt":(%d+)') or ''
      row[8] = string.match(head, '"ttl":(%d+)') or ''
      row[9] = string.match(head, '"stale":(%d+)') or ''
      local s, r = string.match(head, '"generations":%["([^"]*)","([^"]*)"%]')
      row[10] = s or ''
      row[11] = r or ''
    end
    if row[6] == '' and tonumber(row[3]) <= tonumber(ARGV[1]) then row[12] = redis.sha1hex(redis.call('GET', key)) end
  elseif t ~= 'none' then
    local usage = redis.pcall('MEMORY', 'USAGE', key)
    if type(usage) == 'number' then row[3] = tostring(usage) end
  end
  out[i] = table.concat(row, '\\n')
end
return out`;

/** Envelope metadata read from the head of a value; undefined fields were not found. */
export interface EnvelopeHead {
  readonly schema: number;
  readonly surfaceVersion?: number;
  readonly checksum?: string;
  readonly storedAtMs?: number;
  readonly ttlSeconds?: number;
  readonly staleSeconds?: number;
  readonly generations?: { readonly surface: string; readonly resource: string };
}

export interface KeyInspection {
  readonly key: string;
  /** Redis type: `string`, `hash`, ... or `none` when the key is gone. */
  readonly type: string;
  /** Milliseconds to live; -1 without expiry, -2 when the key is gone. */
  readonly pttlMs: number;
  /** Value length for strings, `MEMORY USAGE` for other types (0 when unavailable). */
  readonly bytes: number;
  /** Present when the value starts like an envelope (`{"schema":`). */
  readonly head?: EnvelopeHead;
  /** SHA-1 of the value when it has no envelope checksum and is small enough (guards a later delete). */
  readonly sha1?: string;
}

const num = (s: string): number | undefined => (s === '' ? undefined : Number(s));

function parseRow(key: string, row: unknown): KeyInspection {
  const f = typeof row === 'string' ? row.split('\n') : [];
  const [type = 'none', pttl = '-2', bytes = '0', schema = '', version = '', checksum = '', storedAt = '', ttl = '', stale = '', gs = '', gr = '', sha1 = ''] = f;
  const schemaNum = num(schema);
  const head: EnvelopeHead | undefined = schemaNum === undefined ? undefined : {
    schema: schemaNum,
    surfaceVersion: num(version),
    checksum: checksum || undefined,
    storedAtMs: num(storedAt),
    ttlSeconds: num(ttl),
    staleSeconds: num(stale),
    // The engine never writes an empty generation, so '' means the pattern did not match.
    generations: gs !== '' || gr !== '' ? { surface: gs, resource: gr } : undefined,
  };
  return { key, type, pttlMs: Number(pttl), bytes: Number(bytes) || 0, head, sha1: sha1 || undefined };
}

/** Turns the script's answer for `keys` into inspections. */
export function parseInspection(keys: readonly string[], rows: unknown): KeyInspection[] {
  if (!Array.isArray(rows) || rows.length !== keys.length) {
    throw new Error(`inspection returned ${Array.isArray(rows) ? rows.length : typeof rows} rows for ${keys.length} keys`);
  }
  return keys.map((key, i) => parseRow(key, rows[i]));
}

/** Arguments of `INSPECT_SCRIPT`: values without an envelope up to `hashUpToBytes` are hashed. */
export const inspectArgs = (hashUpToBytes: number): string[] => [String(Math.max(0, Math.floor(hashUpToBytes)))];

/** Inspects `keys` in one request (one EVAL). An empty list costs nothing. */
export async function inspectKeys(redis: Pick<Redis, 'eval'>, keys: readonly string[], hashUpToBytes = 0): Promise<KeyInspection[]> {
  if (keys.length === 0) return [];
  return parseInspection(keys, await redis.eval(INSPECT_SCRIPT, [...keys], inspectArgs(hashUpToBytes)));
}
