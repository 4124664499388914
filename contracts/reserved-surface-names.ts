/**
 * Surface names the cache key layout (`lambdas/engine/keys.ts`) uses as key segments of its own:
 * `<env>:gen:...`, `<env>:flag:...`, `<env>:lock:...`, `<env>:fill:...`, `<env>:state:...`. A surface
 * of one of these names would collide with them, so the config refuses it and keys never carry it.
 */
export const RESERVED_SURFACE_NAMES: readonly string[] = ['gen', 'flag', 'lock', 'fill', 'state'];
