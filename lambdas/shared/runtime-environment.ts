/**
 * Which configuration a function runs with: `CACHE_ENV` (set by the runtime stack; default `dev`)
 * picks the validated environment, and `ORIGIN_<SURFACE>` overrides a surface's origin.
 */
import { environment } from '../../config/environments';
import type { EnvironmentConfig, SurfaceConfig } from '../../config/types';

/** `ORIGIN_<SURFACE>`: the surface name upper-cased, dashes as underscores. */
export function originOverrideVariable(surface: string): string {
  return `ORIGIN_${surface.toUpperCase().replace(/-/g, '_')}`;
}

/** Applies `ORIGIN_<SURFACE>` overrides. */
export function withOriginOverrides(config: EnvironmentConfig, env: NodeJS.ProcessEnv): EnvironmentConfig {
  const surfaces: SurfaceConfig[] = config.surfaces.map((s) => {
    const override = env[originOverrideVariable(s.name)];
    return override ? { ...s, originUrl: override } : s;
  });
  return { ...config, surfaces };
}

/** The validated environment named by `CACHE_ENV`, with origin overrides applied. */
export function runtimeEnvironment(env: NodeJS.ProcessEnv): EnvironmentConfig {
  return withOriginOverrides(environment(env.CACHE_ENV ?? 'dev'), env);
}
