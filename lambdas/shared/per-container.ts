import { jsonError, type HttpEvent, type HttpResult } from './http';
import { functionLogger } from './logger';
import { installTracing, traced } from './tracing';

type HttpFunction = (event: HttpEvent) => Promise<HttpResult>;

/**
 * Builds a function's dependencies once per Lambda container (clients, limiters, engine) and
 * reuses them across invocations. A failed build is not cached: the next invocation tries again.
 */
export function perContainer<T>(build: () => Promise<T>): () => Promise<T> {
  let instance: Promise<T> | undefined;
  return () => {
    instance ??= build().catch((e: unknown) => {
      instance = undefined;
      throw e;
    });
    return instance;
  };
}

/**
 * The Lambda entry point of an HTTP function built per container: the HTTP API's request id is the
 * correlation id of the function's log lines; a build failure (missing configuration, unreadable
 * secret) answers 503 JSON and is logged, never a stack trace. Each invocation runs under its
 * caller's trace and flushes its spans before answering.
 */
export function httpHandler(name: string, build: () => Promise<HttpFunction>): HttpFunction {
  const fn = perContainer(async () => {
    // Once per container, from CACHE_TRACING (set with the collector layer by the runtime stack).
    installTracing();
    return build();
  });
  const logger = functionLogger(name);
  return (event) => traced(event.headers, () => answer(event));
  async function answer(event: HttpEvent): Promise<HttpResult> {
    logger.setCorrelationId(event.requestContext?.requestId);
    let ready: HttpFunction;
    try {
      ready = await fn();
    } catch (e) {
      logger.error(`${name} function is not configured`, { error: (e as Error).message });
      return jsonError(503, 'not_configured', `the ${name} function is not configured; see its logs`);
    }
    return ready(event);
  }
}
