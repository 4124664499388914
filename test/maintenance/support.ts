/** Helpers of the maintenance tests: the shared recording metrics, and test configs. */
import { ENVIRONMENTS } from '../../config/environments';
import { defaultSurfaces } from '../../config/surfaces';
import type { EnvironmentConfig } from '../../config/types';

export { RecordingMetrics } from '../support/recording-metrics';

/** The dev environment with its surfaces pointed at `originBase` and optional runtime overrides. */
export function testEnvironment(originBase: string, runtime: Partial<EnvironmentConfig['runtime']> = {}): EnvironmentConfig {
  const dev = ENVIRONMENTS.dev;
  return { ...dev, surfaces: defaultSurfaces(originBase), runtime: { ...dev.runtime, ...runtime } };
}
