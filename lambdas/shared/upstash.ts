/**
 * The one way runtime code gets an `@upstash/redis` client: credentials from a `CredentialsSource`,
 * a timeout on every request (time on the wire, not in our own queue), bounded retries, strings returned as stored
 * (`automaticDeserialization: false`) in plain JSON replies (`responseEncoding: false`), and on a 401 one credentials refresh and retry, so a token
 * rotation needs no redeploy. Every HTTP request to Upstash is counted (`upstash_requests_total`).
 */
import { Redis } from '@upstash/redis';
import type { DatabaseLabel } from '../../contracts/database-roles';
import type { CredentialsSource, UpstashCredentials } from './credentials';
import { wireTimer } from './loop-delay';
import type { MetricsRecorder } from './metrics/recorder';
import { NOOP_METRICS } from './metrics/recorder';

/** The client's own request interface (not exported by name from the Node entry point). */
type Requester = ConstructorParameters<typeof Redis>[0] extends infer C ? Extract<C, { request: unknown }> : never;
type UpstashRequest = Parameters<Requester['request']>[0];

export const DEFAULT_UPSTASH_TIMEOUT_MS = 500;

export interface UpstashClientOptions {
  /** Timeout of every HTTP request to Upstash, retries included. @default 500 */
  readonly timeoutMs?: number;
  /** Retries on network errors (HTTP error statuses are never retried). @default 1 */
  readonly retries?: number;
  readonly metrics?: MetricsRecorder;
  /** Label of `upstash_requests_total`. @default 'cache' */
  readonly database?: DatabaseLabel;
  /** Batch commands issued in the same tick into one request. @default true */
  readonly autoPipelining?: boolean;
}

/** True for the errors Upstash gives for a missing, wrong or revoked token. */
export function isAuthError(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /WRONGPASS|NOAUTH|invalid or missing auth token|unauthori[sz]ed/i.test(message);
}

function outcomeOf(e: unknown): string {
  if (isAuthError(e)) return 'unauthorized';
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return 'timeout';
  return 'error';
}

/**
 * Sits between the `Redis` object and its HTTP client: times every request out, counts requests
 * and, on an auth error, refreshes the credentials once (shared by concurrent callers), swaps in a
 * new HTTP client and retries the request.
 */
class RefreshingRequester implements Requester {
  private refreshing: Promise<Requester> | undefined;

  constructor(
    private inner: Requester,
    private readonly rebuild: () => Promise<Requester>,
    private readonly count: (outcome: string) => void,
    private readonly timeoutMs: number,
  ) {}

  async request<TResult = unknown>(req: UpstashRequest) {
    const used = this.inner;
    try {
      return await this.send<TResult>(used, req);
    } catch (e) {
      if (!isAuthError(e)) throw e;
      if (this.inner === used) {
        this.refreshing ??= this.rebuild().finally(() => { this.refreshing = undefined; });
        this.inner = await this.refreshing;
      }
      return this.send<TResult>(this.inner, req);
    }
  }

  private async send<TResult>(requester: Requester, req: UpstashRequest) {
    // The timeout covers the request and its retries, on the wire (our own event-loop delay does
    // not count: loop-delay.ts), and is cleared as soon as the answer is in: a timer left to run
    // out would cost a timer, a signal and an error per request for `timeoutMs` after it.
    // Passed as a function: the client answers an aborted plain signal with a fake success.
    const timer = wireTimer(this.timeoutMs);
    try {
      const signal = (() => timer.signal) as unknown as AbortSignal; // typed as a signal, read as either
      const res = await requester.request<TResult>({ ...req, signal });
      this.count('success');
      return res;
    } catch (e) {
      this.count(outcomeOf(e));
      throw e;
    } finally {
      timer.clear();
    }
  }
}

function newRedis(creds: UpstashCredentials, opts: UpstashClientOptions): Redis {
  return new Redis({
    url: creds.url,
    token: creds.token,
    automaticDeserialization: false,
    // Plain JSON replies, not base64: everything this platform stores goes in through the REST API
    // as JSON, so it is valid UTF-8 and comes back intact; base64 would only add a third to every
    // reply and a JavaScript decode of every value (half the client's CPU on an 8 KB hit).
    responseEncoding: false,
    enableAutoPipelining: opts.autoPipelining ?? true,
    enableTelemetry: false,
    retry: { retries: opts.retries ?? 1, backoff: () => 10 },
    keepAlive: true,
  });
}

/** The HTTP client inside a `Redis` object (a protected field of the library). */
function requesterOf(redis: Redis): Requester {
  return (redis as unknown as { client: Requester }).client;
}

export async function createUpstashClient(source: CredentialsSource, opts: UpstashClientOptions = {}): Promise<Redis> {
  const metrics = opts.metrics ?? NOOP_METRICS;
  const database = opts.database ?? 'cache';
  const redis = newRedis(await source.get(), opts);
  const requester = new RefreshingRequester(
    requesterOf(redis),
    async () => requesterOf(newRedis(await source.refresh(), opts)),
    (outcome) => metrics.increment('upstash_requests_total', { database, outcome }),
    opts.timeoutMs ?? DEFAULT_UPSTASH_TIMEOUT_MS,
  );
  // Swapping the requester keeps every command, pipeline and auto-pipeline going through it.
  (redis as unknown as { client: Requester }).client = requester;
  return redis;
}
