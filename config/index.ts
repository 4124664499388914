export * from './types';
export { ENVIRONMENTS, environment } from './environments';
export { defaultSurfaces, DEFAULT_READ_POLICY } from './surfaces';
export { ConfigError, validateEnvironment, validateSurface, validateRateLimit } from './validate';
