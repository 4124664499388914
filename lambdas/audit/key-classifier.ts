/**
 * What the audit makes of one key of the cache database. The layout is the engine's
 * (`lambdas/engine/keys.ts`): entries `<env>:<surface>:<resource>:<variant>`, and the system keys
 * `<env>:state:<surface>`, `<env>:gen:...`, `<env>:flag:bypass:<surface>` (mirrors of earlier
 * releases), `<env>:lock:...` and fill marks. Anything else is malformed.
 *
 * An entry is an orphan when no reader can ever use it again: its surface is no longer
 * configured, or it was written under an older envelope schema, a retired or older surface
 * version, or a generation that has since been bumped. Entries from a NEWER schema or version
 * (a rolling deploy) are left alone: this build cannot judge them.
 */
import type { SurfaceConfig } from '../../config/types';
import { ENVELOPE_SCHEMA_VERSION } from '../engine/envelope';
import { GENERATION_ABSENT } from '../engine/cache-state';
import { KeyError, parseKey, resourceGenerationKey, surfaceGenerationKey, validateSegment } from '../engine/keys';
import type { VersionRegistry } from '../engine/version-registry';
import type { KeyInspection } from '../maintenance/entry-inspector';
import type { Guard } from './guarded-fixes';

export type FindingKind = 'no_ttl' | 'orphan' | 'malformed' | 'oversize' | 'corrupt';
export const FINDING_KINDS: readonly FindingKind[] = ['no_ttl', 'orphan', 'malformed', 'oversize', 'corrupt'];

export type OrphanReason = 'unknown_surface' | 'old_schema' | 'retired_version' | 'old_version' | 'old_generation';

export type Verdict =
  | { readonly kind: 'healthy' }
  /** A generation, flag or refresh-lock key. */
  | { readonly kind: 'system' }
  /** Deleted or expired between SCAN and inspection. */
  | { readonly kind: 'gone' }
  /** Written by a newer build (schema or surface version); left alone. */
  | { readonly kind: 'newer' }
  | { readonly kind: 'no_ttl'; readonly guard: Guard; readonly ttlMs: number }
  | { readonly kind: 'orphan'; readonly guard: Guard; readonly reason: OrphanReason }
  | { readonly kind: 'oversize'; readonly guard: Guard }
  | { readonly kind: 'corrupt'; readonly guard: Guard }
  | { readonly kind: 'malformed'; readonly guard: Guard };

export interface ClassifierContext {
  readonly env: string;
  readonly surfaces: ReadonlyMap<string, Pick<SurfaceConfig, 'ttlSeconds' | 'staleWhileRevalidateSeconds'>>;
  readonly registry: VersionRegistry;
  readonly maxItemBytes: number;
  readonly nowMs: number;
  /** Current value of every generation key (absent ones as `GENERATION_ABSENT` or missing). */
  readonly generations: ReadonlyMap<string, string>;
}

const validSegment = (name: 'env' | 'surface' | 'resource' | 'variant', value: string | undefined): boolean => {
  if (value === undefined) return false;
  try {
    validateSegment(name, value);
    return true;
  } catch {
    return false;
  }
};

/**
 * True for `<env>:state:<surface>`, `<env>:gen:<surface>[:<resource>]`, `<env>:flag:bypass:<surface>`,
 * `<env>:lock:<s>:<r>:<v>` and the fill marks of the first three (`<env>:fill:state:...`, ...).
 */
export function isSystemKey(parts: readonly string[]): boolean {
  const [, kind, a, b, c] = parts;
  if (kind === 'fill') return isSystemKey([parts[0] ?? '', ...parts.slice(2)]) && (a === 'state' || a === 'gen' || a === 'flag');
  if (kind === 'state') return parts.length === 3 && validSegment('surface', a);
  if (kind === 'gen') return (parts.length === 3 || parts.length === 4) && validSegment('surface', a) && (parts.length === 3 || validSegment('resource', b));
  if (kind === 'flag') return parts.length === 4 && a === 'bypass' && validSegment('surface', b);
  if (kind === 'lock') return parts.length === 5 && validSegment('surface', a) && validSegment('resource', b) && validSegment('variant', c);
  return false;
}

/** The generation keys an entry key is checked against (none for other keys). */
export function generationKeysOf(key: string, env: string): string[] {
  try {
    const p = parseKey(key);
    if (p.env !== env) return [];
    return [surfaceGenerationKey(p.env, p.surface), resourceGenerationKey(p.env, p.surface, p.resource)];
  } catch {
    return [];
  }
}

function deleteGuard(i: KeyInspection): Guard {
  if (i.head?.checksum) return `c:${i.head.checksum}`;
  if (i.sha1) return `h:${i.sha1}`;
  return `t:${i.type}`;
}

export function classify(i: KeyInspection, ctx: ClassifierContext): Verdict {
  if (i.type === 'none' || i.pttlMs === -2) return { kind: 'gone' };
  const parts = i.key.split(':');
  if (parts[0] === ctx.env && isSystemKey(parts)) return { kind: 'system' };
  let surface: string;
  let resource: string;
  try {
    const p = parseKey(i.key);
    if (p.env !== ctx.env) return { kind: 'malformed', guard: `t:${i.type}` };
    surface = p.surface;
    resource = p.resource;
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    return { kind: 'malformed', guard: `t:${i.type}` };
  }
  if (i.type !== 'string') return { kind: 'corrupt', guard: `t:${i.type}` };
  if (i.bytes > ctx.maxItemBytes) return { kind: 'oversize', guard: `o:${ctx.maxItemBytes}` };
  const config = ctx.surfaces.get(surface);
  if (!config) return { kind: 'orphan', guard: deleteGuard(i), reason: 'unknown_surface' };
  const head = i.head;
  if (!head) return { kind: 'corrupt', guard: deleteGuard(i) };
  if (head.schema > ENVELOPE_SCHEMA_VERSION) return { kind: 'newer' };
  if (head.schema < ENVELOPE_SCHEMA_VERSION) return { kind: 'orphan', guard: deleteGuard(i), reason: 'old_schema' };
  const { surfaceVersion, storedAtMs, ttlSeconds, staleSeconds, generations } = head;
  if (surfaceVersion === undefined || storedAtMs === undefined || ttlSeconds === undefined
    || staleSeconds === undefined || generations === undefined || !head.checksum) {
    return { kind: 'corrupt', guard: deleteGuard(i) };
  }
  const current = ctx.registry.current(surface);
  if (surfaceVersion > current) return { kind: 'newer' };
  if (surfaceVersion < current) {
    const reason = ctx.registry.retiredVersions(surface).includes(surfaceVersion) ? 'retired_version' : 'old_version';
    return { kind: 'orphan', guard: deleteGuard(i), reason };
  }
  const genS = ctx.generations.get(surfaceGenerationKey(ctx.env, surface)) ?? GENERATION_ABSENT;
  const genR = ctx.generations.get(resourceGenerationKey(ctx.env, surface, resource)) ?? GENERATION_ABSENT;
  if (generations.surface !== genS || generations.resource !== genR) {
    return { kind: 'orphan', guard: deleteGuard(i), reason: 'old_generation' };
  }
  if (i.pttlMs === -1) {
    // The surface's TTL + stale window, but never past the entry's own end of life.
    const windowMs = (config.ttlSeconds + config.staleWhileRevalidateSeconds) * 1000;
    const remainingMs = storedAtMs + (ttlSeconds + staleSeconds) * 1000 - ctx.nowMs;
    return { kind: 'no_ttl', guard: deleteGuard(i), ttlMs: Math.min(windowMs, Math.max(1000, remainingMs)) };
  }
  return { kind: 'healthy' };
}
