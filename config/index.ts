export * from './types';
export { DEV_REMOTE_BACKEND, ENVIRONMENTS, environment } from './environments';
export { defaultSurfaces, DEFAULT_READ_POLICY } from './surfaces';
export { ConfigError, validateEnvironment, validateSurface, validateRateLimit, validateDeployment } from './validate';
export { DEFAULT_DEPLOYMENT, deploymentOf } from './deployment';
export { cacheDatabaseFor, cacheDatabases, type CacheDatabase } from './cache-databases';
