/**
 * Fixes that are safe while traffic writes the same keys: each key is changed only if it still
 * is what the audit inspected (compare-and-act in Lua, one EVAL per batch). A key the engine
 * rewrote in between carries a new checksum (every write has a new stored-at) and is left alone.
 *
 * Guards (one per key, `<kind>:<value>`):
 * - `c:<checksum>` the envelope still has this checksum;
 * - `h:<sha1>`     the value (not an envelope) still hashes to this;
 * - `o:<bytes>`    the value is still larger than this;
 * - `t:<type>`     the key still has this Redis type (keys the engine never writes).
 */
import type { Redis } from '@upstash/redis';
import { INSPECT_PREFIX_BYTES } from '../maintenance/entry-inspector';

export type Guard = `${'c' | 'h' | 'o' | 't'}:${string}`;

const GUARD_LUA = `
local function guard_holds(key, guard)
  local kind, want = string.sub(guard, 1, 1), string.sub(guard, 3)
  local t = redis.call('TYPE', key)['ok']
  if kind == 't' then return t == want end
  if t ~= 'string' then return false end
  if kind == 'c' then
    local head = redis.call('GETRANGE', key, 0, ${INSPECT_PREFIX_BYTES - 1})
    return string.match(head, '"checksum":"([^"]+)"') == want
  elseif kind == 'h' then
    return redis.sha1hex(redis.call('GET', key)) == want
  elseif kind == 'o' then
    return redis.call('STRLEN', key) > tonumber(want)
  end
  return false
end
local function size_of(key)
  if redis.call('TYPE', key)['ok'] == 'string' then return redis.call('STRLEN', key) end
  local usage = redis.pcall('MEMORY', 'USAGE', key)
  if type(usage) == 'number' then return usage end
  return 0
end`;

// KEYS: keys; ARGV[i]: guard of KEYS[i]. Returns per key the bytes freed, or -1 when not deleted.
const DELETE_IF_UNCHANGED = `${GUARD_LUA}
local out = {}
for i, key in ipairs(KEYS) do
  if guard_holds(key, ARGV[i]) then
    local size = size_of(key)
    redis.call('UNLINK', key)
    out[i] = size
  else
    out[i] = -1
  end
end
return out`;

// KEYS: keys; ARGV[2i-1]: guard, ARGV[2i]: milliseconds. Sets the expiry only on a key that
// still has none and is unchanged. Returns per key 1 when set, else 0.
const EXPIRE_IF_PERSISTENT = `${GUARD_LUA}
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = 0
  if redis.call('PTTL', key) == -1 and guard_holds(key, ARGV[2 * i - 1]) then
    out[i] = redis.call('PEXPIRE', key, ARGV[2 * i])
  end
end
return out`;

export interface GuardedDelete {
  readonly key: string;
  readonly guard: Guard;
}

export interface GuardedExpire extends GuardedDelete {
  readonly ttlMs: number;
}

/** Deletes each key whose guard holds; returns the bytes freed per key (-1: left alone). */
export async function deleteIfUnchanged(redis: Pick<Redis, 'eval'>, items: readonly GuardedDelete[]): Promise<number[]> {
  if (items.length === 0) return [];
  const res = await redis.eval(DELETE_IF_UNCHANGED, items.map((i) => i.key), items.map((i) => i.guard));
  return toNumbers(res, items.length);
}

/** Gives each key without expiry whose guard holds its TTL; returns per key whether it was set. */
export async function expireIfPersistent(redis: Pick<Redis, 'eval'>, items: readonly GuardedExpire[]): Promise<boolean[]> {
  if (items.length === 0) return [];
  const args = items.flatMap((i) => [i.guard, String(Math.max(1, Math.round(i.ttlMs)))]);
  const res = await redis.eval(EXPIRE_IF_PERSISTENT, items.map((i) => i.key), args);
  return toNumbers(res, items.length).map((n) => n === 1);
}

function toNumbers(res: unknown, expected: number): number[] {
  if (!Array.isArray(res) || res.length !== expected) throw new Error(`fix script returned ${JSON.stringify(res)?.slice(0, 80)} for ${expected} keys`);
  return res.map(Number);
}
