/**
 * Turns a warmup manifest (`config/warmup-manifest.ts`) into the cache entries it names, with the
 * engine's own key derivation (`requestTarget`), so a warmed entry is the one a reader asks for.
 */
import type { EnvironmentConfig } from '../../config/types';
import type { WarmupManifest, WarmupTarget } from '../../config/warmup-manifest';
import { requestTarget } from '../engine/request-target';

export class WarmupManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WarmupManifestError';
  }
}

export interface ResolvedTarget extends WarmupTarget {
  /** Cache key the engine stores the entry under. */
  readonly key: string;
  readonly resource: string;
  readonly surfaceGenKey: string;
  readonly resourceGenKey: string;
  /** Where the target came from. */
  readonly source: 'manifest' | 'popular';
}

type Env = Pick<EnvironmentConfig, 'name' | 'surfaces'>;

/** Resolves one target; throws `WarmupManifestError` naming it when the surface or path is bad. */
export function resolveTarget(env: Env, t: WarmupTarget, source: ResolvedTarget['source']): ResolvedTarget {
  const label = `warmup target ${JSON.stringify({ surface: t.surface, path: t.path })}`;
  const surface = env.surfaces.find((s) => s.name === t.surface);
  if (!surface) throw new WarmupManifestError(`${label}: unknown surface; configured: ${env.surfaces.map((s) => s.name).join(', ')}`);
  const headers = Object.fromEntries(Object.entries(t.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  let target: ReturnType<typeof requestTarget>;
  try {
    target = requestTarget(env.name, surface, t.path, t.query ?? {}, headers);
  } catch (e) {
    throw new WarmupManifestError(`${label}: ${(e as Error).message}`);
  }
  return {
    surface: t.surface, path: t.path, query: t.query, headers: t.headers, source,
    key: target.key, resource: target.resource, surfaceGenKey: target.surfaceGenKey, resourceGenKey: target.resourceGenKey,
  };
}

/** Resolves every target (first occurrence of a key wins). */
function resolveTargets(env: Env, targets: readonly WarmupTarget[], source: ResolvedTarget['source']): ResolvedTarget[] {
  const seen = new Set<string>();
  const out: ResolvedTarget[] = [];
  for (const t of targets) {
    const r = resolveTarget(env, t, source);
    if (seen.has(r.key)) continue;
    seen.add(r.key);
    out.push(r);
  }
  return out;
}

const positiveInt = (name: string, v: number | undefined, max: number): void => {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new WarmupManifestError(`${name} must be an integer from 1 to ${max}, got ${v}`);
};

/** Checks the limits and every target of a manifest against the environment's surfaces. */
export function validateWarmupManifest(env: Env, manifest: WarmupManifest): ResolvedTarget[] {
  positiveInt('concurrency', manifest.concurrency, 64);
  if (!(manifest.ratePerSecond > 0) || manifest.ratePerSecond > 1000) {
    throw new WarmupManifestError(`ratePerSecond must be a number above 0 and at most 1000, got ${manifest.ratePerSecond}`);
  }
  if (manifest.minRemainingSeconds !== undefined && !(manifest.minRemainingSeconds >= 0)) {
    throw new WarmupManifestError(`minRemainingSeconds must be >= 0, got ${manifest.minRemainingSeconds}`);
  }
  if (manifest.popularLimit !== undefined && manifest.popularLimit !== 0) positiveInt('popularLimit', manifest.popularLimit, 10_000);
  return resolveTargets(env, manifest.targets, 'manifest');
}
