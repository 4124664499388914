/**
 * What most runtime test files start once: a cache database, a guardrails database and a scripted
 * origin, each on the real local components (`startTestUpstash`, `startOrigin`). `useLocalStack()`
 * registers the `beforeAll` that starts them and the `afterAll` that stops them, and returns the
 * stack; its fields are there from the first `beforeAll` on.
 */
import { originOverrideVariable } from '../../lambdas/shared/runtime-environment';
import { defaultOriginHandler, startOrigin, type Origin, type OriginHandler } from './origin';
import { startTestUpstash, type TestUpstash } from './upstash';

export interface LocalStackOptions {
  /** Start a guardrails database too. @default true */
  readonly guardrails?: boolean;
  /** Start a scripted origin too. @default true */
  readonly origin?: boolean;
  /** Handler the origin starts with. @default defaultOriginHandler */
  readonly originHandler?: OriginHandler;
}

export interface LocalStack {
  readonly cache: TestUpstash;
  /** Throws when the stack was asked for without one. */
  readonly guardrails: TestUpstash;
  /** Throws when the stack was asked for without one. */
  readonly origin: Origin;
  /** Empties the databases and resets the origin's counters (the handler stays). */
  reset(): Promise<void>;
  /**
   * The variables a deployed function reads, pointed at this stack: `CACHE_ENV=dev`, both
   * databases' REST URL and token, and `ORIGIN_<SURFACE>` for each of `origins` (paths on the origin).
   */
  functionEnv(origins: Readonly<Record<string, string>>, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export function useLocalStack(opts: LocalStackOptions = {}): LocalStack {
  const withGuardrails = opts.guardrails ?? true;
  const withOrigin = opts.origin ?? true;
  let cache: TestUpstash | undefined;
  let guardrails: TestUpstash | undefined;
  let origin: Origin | undefined;
  const started = <T>(value: T | undefined, what: string, asked = true): T => {
    if (value === undefined) throw new Error(`the local stack has no ${what}${asked ? ' yet: use it from a hook or a test' : ': it was started without one'}`);
    return value;
  };

  beforeAll(async () => {
    [cache, guardrails, origin] = await Promise.all([
      startTestUpstash(),
      withGuardrails ? startTestUpstash() : Promise.resolve(undefined),
      withOrigin ? startOrigin(opts.originHandler ?? defaultOriginHandler) : Promise.resolve(undefined),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cache?.stop(), guardrails?.stop(), origin?.close()]);
  });

  const stack: LocalStack = {
    get cache() { return started(cache, 'cache database'); },
    get guardrails() { return started(guardrails, 'guardrails database', withGuardrails); },
    get origin() { return started(origin, 'origin', withOrigin); },
    reset: async () => {
      await Promise.all([stack.cache.flush(), guardrails?.flush()]);
      origin?.reset();
    },
    functionEnv: (origins, extra = {}) => {
      const variables: NodeJS.ProcessEnv = {
        CACHE_ENV: 'dev',
        UPSTASH_REDIS_REST_URL: stack.cache.url,
        UPSTASH_REDIS_REST_TOKEN: stack.cache.token,
        UPSTASH_GUARDRAILS_REST_URL: stack.guardrails.url,
        UPSTASH_GUARDRAILS_REST_TOKEN: stack.guardrails.token,
      };
      for (const [surface, path] of Object.entries(origins)) variables[originOverrideVariable(surface)] = `${stack.origin.url}${path}`;
      return { ...variables, ...extra };
    },
  };
  return stack;
}
