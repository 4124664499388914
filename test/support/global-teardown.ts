/** Jest global teardown: stops the shared redis-server started by `./global-setup.ts`. */
import type { GlobalWithRedis } from './global-setup';
import { SHARED_REDIS_URL_ENV } from './shared-redis-env';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as GlobalWithRedis;
  await holder.__sharedTestRedis?.stop();
  holder.__sharedTestRedis = undefined;
  delete process.env[SHARED_REDIS_URL_ENV];
}
