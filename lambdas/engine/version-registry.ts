/**
 * Surface versions, in code. Every entry records the version of its surface it was written under;
 * an entry whose version is not the current one reads as a miss. Bumping a version here (and
 * deploying) forces misses for the whole surface, e.g. after a change of page layout, without
 * touching Redis. Retired versions are kept so the audit job can recognise and purge old entries.
 */

/** Current version per surface. Bump a value to force misses for that surface. */
export const SURFACE_VERSIONS: Readonly<Record<string, number>> = { marketing: 1, api: 1 };

/** Versions that were current once; entries written under them are orphans. */
export const RETIRED_VERSIONS: Readonly<Record<string, readonly number[]>> = { marketing: [], api: [] };

/** Version of a surface that has no entry in the registry. */
export const DEFAULT_SURFACE_VERSION = 1;

export class VersionRegistry {
  constructor(
    private readonly versions: Readonly<Record<string, number>> = SURFACE_VERSIONS,
    private readonly retired: Readonly<Record<string, readonly number[]>> = RETIRED_VERSIONS,
  ) {
    for (const [surface, v] of Object.entries(versions)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`version of surface "${surface}" must be an integer >= 1, got ${v}`);
    }
  }

  /** Current version of a surface. */
  current(surface: string): number {
    return this.versions[surface] ?? DEFAULT_SURFACE_VERSION;
  }

  /** Versions of a surface that are no longer current. */
  retiredVersions(surface: string): readonly number[] {
    return this.retired[surface] ?? [];
  }

  /** True when an entry written under `version` may be served for `surface`. */
  isCurrent(surface: string, version: number): boolean {
    return version === this.current(surface);
  }

  /** A new registry with `surface` one version up and the old version retired. */
  bump(surface: string): VersionRegistry {
    const old = this.current(surface);
    return new VersionRegistry(
      { ...this.versions, [surface]: old + 1 },
      { ...this.retired, [surface]: [...this.retiredVersions(surface), old] },
    );
  }

  /** Plain data, e.g. for the CLI to print or rewrite this file. */
  toJSON(): { versions: Record<string, number>; retired: Record<string, number[]> } {
    return {
      versions: { ...this.versions },
      retired: Object.fromEntries(Object.entries(this.retired).map(([k, v]) => [k, [...v]])),
    };
  }
}

/** The registry compiled into this build. */
export const DEFAULT_VERSION_REGISTRY = new VersionRegistry();
