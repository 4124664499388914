/**
 * The platform's one logger: Powertools `Logger`, one instance per function and container, JSON
 * lines with the service `cache-platform-<function>`. HTTP functions set the HTTP API's request id
 * as the correlation id of each request (`httpHandler`).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger } from '@aws-lambda-powertools/logger';

const loggers = new Map<string, Logger>();

/** The logger of a function (`cache`, `admin`, `warmup`, `audit`, `rotation`); the same instance on every call. */
export function functionLogger(fn: string): Logger {
  let logger = loggers.get(fn);
  if (!logger) {
    logger = new Logger({ serviceName: `cache-platform-${fn}` });
    loggers.set(fn, logger);
  }
  return logger;
}
