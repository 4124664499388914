/**
 * What a request for `/c/{surface}/{path}` refers to: the entry key, the generation and flag keys
 * the hit path reads with it, and the origin request that fills it. Only the surface's vary query
 * parameters and headers reach the key and the origin, so other input can neither split nor poison
 * the cache.
 */
import type { SurfaceConfig } from '../../config/types';
import {
  KeyError, buildKey, bypassFlagKey, lockKeyOf, pathFromResource, resourceFromPath, resourceGenerationKey, surfaceGenerationKey, surfaceStateKey,
  variantOf,
} from './keys';

export interface RequestTarget {
  readonly surface: SurfaceConfig;
  readonly resource: string;
  readonly variant: string;
  readonly key: string;
  readonly surfaceStateKey: string;
  readonly surfaceGenKey: string;
  readonly resourceGenKey: string;
  readonly bypassKey: string;
  readonly lockKey: string;
  readonly originUrl: string;
  /** Vary headers of the request, forwarded to the origin. */
  readonly originHeaders: Record<string, string>;
}

type Inputs = Readonly<Record<string, string | undefined>>;

/**
 * Longest vary value (query parameter or header) a request may carry. Each distinct value is a
 * cache entry of its own, so an unbounded value would let any client fill the cache with junk
 * copies; real `Accept-Language` and `Accept` values are far shorter.
 */
export const MAX_VARY_VALUE_LENGTH = 256;

function varyValue(kind: 'query parameter' | 'header', name: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.length > MAX_VARY_VALUE_LENGTH) {
    throw new KeyError(`${kind} ${name} is ${value.length} characters long; at most ${MAX_VARY_VALUE_LENGTH} are allowed for a value that selects a cache variant`);
  }
  return value;
}

/** Throws `KeyError` (→ 400) for a path that cannot be a key. `headers` must have lowercase names. */
export function requestTarget(env: string, surface: SurfaceConfig, path: string, query: Inputs = {}, headers: Inputs = {}): RequestTarget {
  const resource = resourceFromPath(path);
  const vary: Record<string, string | undefined> = {};
  const search = new URLSearchParams();
  for (const name of [...surface.varyQuery].sort()) {
    const value = varyValue('query parameter', name, query[name]);
    vary[`q:${name}`] = value;
    if (value !== undefined) search.set(name, value);
  }
  const originHeaders: Record<string, string> = {};
  for (const name of surface.varyHeaders) {
    const value = varyValue('header', name, headers[name]?.trim());
    vary[`h:${name}`] = value;
    if (value !== undefined) originHeaders[name] = value;
  }
  const variant = variantOf(vary);
  const key = buildKey({ env, surface: surface.name, resource, variant });
  const qs = search.toString();
  return {
    surface,
    resource,
    variant,
    key,
    surfaceStateKey: surfaceStateKey(env, surface.name),
    surfaceGenKey: surfaceGenerationKey(env, surface.name),
    resourceGenKey: resourceGenerationKey(env, surface.name, resource),
    bypassKey: bypassFlagKey(env, surface.name),
    lockKey: lockKeyOf({ env, surface: surface.name, resource, variant }),
    originUrl: `${surface.originUrl.replace(/\/+$/, '')}/${pathFromResource(resource)}${qs ? `?${qs}` : ''}`,
    originHeaders,
  };
}

function memoPart(value: string | undefined): string {
  return value === undefined ? '|-' : `|${value.length}:${value}`;
}

/**
 * Targets by surface, path and vary inputs, so a hot path is parsed and validated once per
 * instance rather than on every hit. Bounded; the oldest entry goes first.
 */
export class RequestTargets {
  private readonly memo = new Map<string, RequestTarget>();

  constructor(private readonly env: string, private readonly maxEntries = 2000) {}

  /** Same contract as `requestTarget` (throws `KeyError`); `headers` must have lowercase names. */
  get(surface: SurfaceConfig, path: string, query: Inputs = {}, headers: Inputs = {}): RequestTarget {
    // Length-prefixed, so distinct inputs never share an id; cheaper than JSON.stringify per hit.
    let id = `${path.length}:${path}`;
    for (const name of surface.varyQuery) id += memoPart(query[name]);
    for (const name of surface.varyHeaders) id += memoPart(headers[name]?.trim());
    id = `${surface.name}|${id}`;
    const known = this.memo.get(id);
    if (known !== undefined) return known;
    const target = requestTarget(this.env, surface, path, query, headers);
    if (this.memo.size >= this.maxEntries) this.memo.delete(this.memo.keys().next().value as string);
    this.memo.set(id, target);
    return target;
  }
}
