/**
 * Seeds a cache database with 50,000 keys whose defects are known, in the engine's own formats
 * (`encodeEnvelope`, the `keys.ts` layout). Keys come in groups `<prefix><i><suffix>` sharing one
 * value; a small Lua script writes (and later checks) a whole group in one call straight on the
 * test's Redis database, so seeding and verifying 50k keys takes milliseconds.
 */
import { randomBytes } from 'node:crypto';
import type IORedis from 'ioredis';
import { encodeEnvelope, type EnvelopeInput } from '../../lambdas/engine/envelope';
import { VersionRegistry } from '../../lambdas/engine/version-registry';

export const SEED_TOTAL = 50_000;
/** marketing is at version 2 (1 retired), api at 1. */
export const SEED_REGISTRY = new VersionRegistry({ marketing: 2, api: 1 }, { marketing: [1], api: [] });
/** maxItemBytes of the seeded environment: oversize values are just above it. */
export const SEED_MAX_ITEM_BYTES = 4096;
export const NO_TTL_WINDOW_MS = (1800 + 300) * 1000;

export type Expectation =
  | 'keep' // healthy entry, system key or newer-build entry: value and TTL state unchanged
  | 'no_ttl' // gets a TTL, value unchanged
  | 'orphan' | 'oversize' | 'corrupt' // deleted
  | 'malformed'; // reported; deleted only with deleteMalformed

export interface KeyGroup {
  readonly name: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly count: number;
  /** String value, or the field of a one-field hash when `hash`. */
  readonly value: string;
  readonly ttlMs?: number;
  readonly hash?: boolean;
  /** One key named exactly `prefix` (no index). */
  readonly exact?: boolean;
  readonly expect: Expectation;
  /** For orphans: the reason the audit should give. */
  readonly reason?: string;
}

export const keysOf = (g: KeyGroup): string[] => (g.exact ? [g.prefix] : Array.from({ length: g.count }, (_, i) => `${g.prefix}${i}${g.suffix}`));

// ARGV: prefix, suffix, count, value, ttlMs ('' = none), 'hash' | 'string', 'exact' | ''.
const SEED_GROUP = `
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  local key = ARGV[1] .. i .. ARGV[2]
  if ARGV[7] == 'exact' then key = ARGV[1] end
  if ARGV[6] == 'hash' then redis.call('HSET', key, 'f', ARGV[4])
  elseif ARGV[5] == '' then redis.call('SET', key, ARGV[4])
  else redis.call('SET', key, ARGV[4], 'PX', ARGV[5]) end
end
return n`;

// Same ARGV. Returns {existing, sameValue, withTtl, withoutTtl, maxPttl}.
const CHECK_GROUP = `
local exists, same, ttl, persist, maxp = 0, 0, 0, 0, 0
for i = 0, tonumber(ARGV[3]) - 1 do
  local key = ARGV[1] .. i .. ARGV[2]
  if ARGV[7] == 'exact' then key = ARGV[1] end
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' then
    exists = exists + 1
    local v
    if t == 'hash' then v = redis.call('HGET', key, 'f') elseif t == 'string' then v = redis.call('GET', key) end
    if v == ARGV[4] then same = same + 1 end
    local p = redis.call('PTTL', key)
    if p == -1 then persist = persist + 1 else ttl = ttl + 1 end
    if p > maxp then maxp = p end
  end
end
return {exists, same, ttl, persist, maxp}`;

export interface GroupState {
  readonly existing: number;
  readonly sameValue: number;
  readonly withTtl: number;
  readonly withoutTtl: number;
  readonly maxPttl: number;
}

const argv = (g: KeyGroup): string[] => [g.prefix, g.suffix, String(g.count), g.value, g.ttlMs === undefined ? '' : String(g.ttlMs), g.hash ? 'hash' : 'string', g.exact ? 'exact' : ''];

export async function groupState(conn: IORedis, g: KeyGroup): Promise<GroupState> {
  const [existing, sameValue, withTtl, withoutTtl, maxPttl] = (await conn.eval(CHECK_GROUP, 0, ...argv(g))) as number[];
  return { existing: Number(existing), sameValue: Number(sameValue), withTtl: Number(withTtl), withoutTtl: Number(withoutTtl), maxPttl: Number(maxPttl) };
}

function envelope(over: Partial<EnvelopeInput> = {}, compressAboveBytes?: number): string {
  return encodeEnvelope({
    surfaceVersion: 2,
    storedAtMs: Date.now(),
    ttlSeconds: 1800,
    staleSeconds: 300,
    generations: { surface: 'g2', resource: '0' },
    originMs: 12,
    payload: { status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<p>hello</p>') },
    ...over,
  }, { compressAboveBytes }).value;
}

const HOUR = 3_600_000;

/** The groups of the seeded database (fresh values and timestamps on every call). */
export function seedGroups(): KeyGroup[] {
  const marketing = envelope();
  const api = envelope({ surfaceVersion: 1, generations: { surface: '0', resource: '0' }, ttlSeconds: 300, staleSeconds: 60 });
  const groups: KeyGroup[] = [
    // System keys: generation mirrors (no TTL by design), a refresh lock, a bypass flag. The surface
    // generation's mirror is an earlier release's, left stale at g1: the audit must judge entries by
    // the authoritative generations in the guardrails database (`seedAuthoritativeGenerations`).
    { name: 'surface-gen', prefix: 'dev:gen:marketing', suffix: '', count: 1, exact: true, value: 'g1', expect: 'keep' },
    { name: 'surface-state', prefix: 'dev:state:marketing', suffix: '', count: 1, exact: true, value: 'g2|0', ttlMs: HOUR, expect: 'keep' },
    { name: 'resource-gen', prefix: 'dev:gen:marketing:blog.hot', suffix: '', count: 1, exact: true, value: 'r5', expect: 'keep' },
    { name: 'lock', prefix: 'dev:lock:marketing:page.', suffix: ':default', count: 1, value: 'owner-token', ttlMs: HOUR, expect: 'keep' },
    { name: 'flag', prefix: 'dev:flag:bypass:api', suffix: '', count: 1, exact: true, value: '1', ttlMs: HOUR, expect: 'keep' },
    { name: 'no-ttl', prefix: 'dev:marketing:nottl.', suffix: ':default', count: 1000, value: marketing, expect: 'no_ttl' },
    { name: 'old-surface-gen', prefix: 'dev:marketing:oldgen.', suffix: ':default', count: 900, value: envelope({ generations: { surface: 'g1', resource: '0' } }), ttlMs: HOUR, expect: 'orphan', reason: 'old_generation' },
    // blog.hot's generation was bumped to r5: its entries written under '0' are orphans.
    { name: 'old-resource-gen', prefix: 'dev:marketing:blog.hot:v', suffix: '', count: 100, value: marketing, ttlMs: HOUR, expect: 'orphan', reason: 'old_generation' },
    { name: 'current-resource-gen', prefix: 'dev:marketing:blog.hot:w', suffix: '', count: 100, value: envelope({ generations: { surface: 'g2', resource: 'r5' } }), ttlMs: HOUR, expect: 'keep' },
    { name: 'retired-version', prefix: 'dev:marketing:retired.', suffix: ':default', count: 1000, value: envelope({ surfaceVersion: 1 }), ttlMs: HOUR, expect: 'orphan', reason: 'retired_version' },
    { name: 'unknown-surface', prefix: 'dev:legacy:page.', suffix: ':default', count: 200, value: marketing, ttlMs: HOUR, expect: 'orphan', reason: 'unknown_surface' },
    { name: 'old-schema', prefix: 'dev:api:oldschema.', suffix: ':default', count: 100, value: api.replace(/^\{"schema":1,/, '{"schema":0,'), ttlMs: HOUR, expect: 'orphan', reason: 'old_schema' },
    { name: 'oversize', prefix: 'dev:api:big.', suffix: ':default', count: 50, value: envelope({ payload: { status: 200, headers: {}, body: randomBytes(4000) } }, 1_000_000), ttlMs: HOUR, expect: 'oversize' },
    { name: 'garbage', prefix: 'dev:api:bad.', suffix: ':default', count: 100, value: 'garbage', ttlMs: HOUR, expect: 'corrupt' },
    { name: 'hash-entry', prefix: 'dev:api:hash.', suffix: ':default', count: 10, value: 'v', hash: true, expect: 'corrupt' },
    { name: 'newer-version', prefix: 'dev:marketing:newer.', suffix: ':default', count: 50, value: envelope({ surfaceVersion: 3 }), ttlMs: HOUR, expect: 'keep' },
    { name: 'no-namespace', prefix: 'session:', suffix: '', count: 150, value: 'x', expect: 'malformed' },
    { name: 'upper-case', prefix: 'Dev:Marketing:Page', suffix: ':default', count: 100, value: 'x', expect: 'malformed' },
    { name: 'other-env', prefix: 'staging:marketing:page.', suffix: ':default', count: 100, value: 'x', expect: 'malformed' },
    { name: 'three-segments', prefix: 'dev:marketing:page ', suffix: '', count: 100, value: 'x', expect: 'malformed' },
    { name: 'foreign-hash', prefix: 'misc:hash:', suffix: '', count: 50, value: 'v', hash: true, expect: 'malformed' },
    { name: 'healthy-api', prefix: 'dev:api:items.', suffix: ':default', count: 10_000, value: api, ttlMs: HOUR, expect: 'keep' },
  ];
  const used = groups.reduce((n, g) => n + g.count, 0);
  groups.push({ name: 'healthy-marketing', prefix: 'dev:marketing:page.', suffix: ':html', count: SEED_TOTAL - used, value: marketing, ttlMs: HOUR, expect: 'keep' });
  return groups;
}

/** The authoritative generations the seeded entries are judged by: marketing at g2, blog.hot at r5. */
export async function seedAuthoritativeGenerations(guardrails: { mset(kv: Record<string, string>): Promise<unknown> }): Promise<void> {
  await guardrails.mset({
    'dev:invalidation:gen:marketing': 'g2', 'dev:invalidation:gen:marketing:blog.hot': 'r5',
  });
}

/** Empties the database and writes every group; returns the groups. */
export async function seedAuditDatabase(conn: IORedis): Promise<KeyGroup[]> {
  await conn.flushdb();
  const groups = seedGroups();
  const p = conn.pipeline();
  for (const g of groups) p.eval(SEED_GROUP, 0, ...argv(g));
  await p.exec();
  const size = await conn.dbsize();
  if (size !== SEED_TOTAL) throw new Error(`seeded ${size} keys, expected ${SEED_TOTAL}`);
  return groups;
}

export const count = (groups: readonly KeyGroup[], expect: Expectation): number =>
  groups.filter((g) => g.expect === expect).reduce((n, g) => n + g.count, 0);
