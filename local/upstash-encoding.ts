/**
 * Request arguments and reply values of the Upstash REST protocol.
 *
 * Replies follow what `@upstash/redis` decodes with `Upstash-Encoding: base64`: every string at every
 * depth is base64 of its exact bytes (binary safe), integers and null stay as they are, a top-level
 * `OK` may stay plain, and no JSON boolean ever appears.
 */

export type JsonReply = null | number | string | JsonReply[];

/** Thrown for a request body the protocol does not allow (→ HTTP 400). */
export class BadRequestError extends Error {}

/** Converts one JSON command (`["set","k","v","EX",100]`) into Redis arguments. */
export function toArgs(command: unknown): string[] {
  if (!Array.isArray(command) || command.length === 0) {
    throw new BadRequestError('ERR a command must be a non-empty JSON array, e.g. ["get","key"]');
  }
  return command.map((arg, i) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' && Number.isFinite(arg)) return String(arg);
    if (typeof arg === 'boolean') return arg ? 'true' : 'false';
    throw new BadRequestError(`ERR argument ${i} must be a string, number or boolean, got ${JSON.stringify(arg) ?? typeof arg}`);
  });
}

/** Converts a pipeline or multi-exec body (an array of commands) into Redis arguments. */
export function toCommandList(body: unknown): string[][] {
  if (!Array.isArray(body) || body.length === 0) {
    throw new BadRequestError('ERR the body must be a non-empty JSON array of commands, e.g. [["get","a"],["get","b"]]');
  }
  return body.map(toArgs);
}

/** Encodes a Redis reply (ioredis `callBuffer` result) into its JSON form. */
export function encodeReply(value: unknown, base64: boolean, topLevel = true): JsonReply {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (!base64) return value.toString('utf8');
    if (topLevel && value.length === 2 && value.toString('latin1') === 'OK') return 'OK';
    return value.toString('base64');
  }
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return base64 ? Buffer.from(value, 'utf8').toString('base64') : value;
  if (Array.isArray(value)) return value.map((item) => encodeReply(item, base64, false));
  if (value instanceof Error) {
    // An error nested in a reply (a script returning an error table): its text, encoded like a string.
    return base64 ? Buffer.from(value.message, 'utf8').toString('base64') : value.message;
  }
  throw new Error(`unexpected reply type from Redis: ${Object.prototype.toString.call(value)}`);
}
