/**
 * One-off Upstash REST calls made by the rotation function (ACL administration, token tests), through
 * the real `@upstash/redis` client with a timeout and no automatic deserialization.
 */
import { Redis } from '@upstash/redis';

export interface RestCommandRunner {
  /** Runs one command with `token`; rejects with Upstash's error (e.g. 401 WRONGPASS). */
  run(url: string, token: string, command: readonly string[]): Promise<unknown>;
}

export interface UpstashRestRunnerOptions {
  /** Per-request timeout. @default 5000 */
  readonly timeoutMs?: number;
  /** Retries on network errors only (HTTP errors never retry); token mints never retry. @default 2 */
  readonly retries?: number;
}

export class UpstashRestRunner implements RestCommandRunner {
  constructor(private readonly opts: UpstashRestRunnerOptions = {}) {}

  async run(url: string, token: string, command: readonly string[]): Promise<unknown> {
    const timeoutMs = this.opts.timeoutMs ?? 5_000;
    const redis = new Redis({
      url,
      token,
      automaticDeserialization: false,
      enableAutoPipelining: false,
      enableTelemetry: false,
      retry: { retries: mintsToken(command) ? 0 : this.opts.retries ?? 2, backoff: (n) => 100 * 2 ** n },
      signal: () => AbortSignal.timeout(timeoutMs),
    });
    const [name, ...args] = command;
    return redis.exec([name, ...args]);
  }
}

/**
 * `ACL GENTOKEN` / `ACL RESTTOKEN`: a retry after a lost reply would leave a valid token nobody has
 * seen, so these are sent once; the caller revokes what it cannot account for.
 */
export function mintsToken(command: readonly string[]): boolean {
  return command[0]?.toUpperCase() === 'ACL' && ['GENTOKEN', 'RESTTOKEN'].includes(command[1]?.toUpperCase() ?? '');
}

/** True when an Upstash error means the token was refused (HTTP 401 / WRONGPASS / NOAUTH). */
export function isAuthError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /WRONGPASS|NOAUTH|unauthori[sz]ed|\b401\b/i.test(message);
}
