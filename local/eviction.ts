/**
 * Local reproduction of Upstash eviction: which redis-server settings the local stack uses.
 *
 * Upstash evicts with "optimistic-volatile": random keys that have a TTL first, then any random key.
 * redis-server has no policy that does both. `volatile-random` is the first half only: once no key
 * with a TTL is left it refuses writes (OOM), which Upstash never does. `allkeys-random` may evict
 * any key at any time, so every set of keys Upstash can evict, it can evict too: an invariant that
 * holds under it holds under Upstash's policy. It is therefore the default; `volatile-random`
 * reproduces the first half on its own. The guardrails database never evicts (`noeviction`).
 */

/** The `maxmemory-policy` values the local stack accepts. */
export const EVICTION_POLICIES = ['allkeys-random', 'volatile-random', 'noeviction'] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

/** The stand-in for Upstash's "optimistic-volatile" (see above). */
export const DEFAULT_CACHE_EVICTION_POLICY: EvictionPolicy = 'allkeys-random';

/** A redis-server size: bytes, or a number with kb/mb/gb. */
export const MAXMEMORY_PATTERN = /^[1-9][0-9]*(?:kb|mb|gb)?$/i;

export interface EvictionSettings {
  /** redis-server `maxmemory` of the cache database, e.g. `64mb`. */
  readonly maxmemory: string;
  readonly policy: EvictionPolicy;
}

/**
 * Reads `--<prefix>maxmemory <size>` and `--<prefix>eviction-policy <policy>` from command-line
 * arguments; undefined when no memory limit is asked for. Throws with the bad value otherwise.
 */
export function evictionFromArgs(args: readonly string[], prefix = ''): EvictionSettings | undefined {
  const sizeFlag = `--${prefix}maxmemory`;
  const policyFlag = `--${prefix}eviction-policy`;
  let maxmemory: string | undefined;
  let policy: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag !== sizeFlag && flag !== policyFlag) throw new Error(`unknown option ${arg}; expected ${sizeFlag} <size> [${policyFlag} <policy>]`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === sizeFlag) maxmemory = value;
    else policy = value;
  }
  if (maxmemory === undefined) {
    if (policy !== undefined) throw new Error(`${policyFlag} needs ${sizeFlag}: without a memory limit nothing is evicted`);
    return undefined;
  }
  if (!MAXMEMORY_PATTERN.test(maxmemory)) throw new Error(`${sizeFlag} must be a size such as 64mb, 512kb or a number of bytes, got "${maxmemory}"`);
  const chosen = policy ?? DEFAULT_CACHE_EVICTION_POLICY;
  if (!(EVICTION_POLICIES as readonly string[]).includes(chosen)) {
    throw new Error(`${policyFlag} must be one of ${EVICTION_POLICIES.join(', ')}, got "${chosen}"`);
  }
  return { maxmemory, policy: chosen as EvictionPolicy };
}
