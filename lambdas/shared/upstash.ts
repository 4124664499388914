/**
 * The one way runtime code gets an `@upstash/redis` client: credentials from a `CredentialsSource`,
 * requests sent by our `node:http` transport (upstash-http.ts), a timeout on every request (time on
 * the wire, not in our own queue), bounded retries, strings returned as stored
 * (`automaticDeserialization: false`) in plain JSON replies, and on a 401 one credentials refresh and
 * retry, so a token rotation needs no redeploy. Every HTTP request to Upstash is counted
 * (`upstash_requests_total`).
 */
import { Redis, type Requester, type UpstashRequest } from '@upstash/redis';
import type { DatabaseLabel } from '../../contracts/database-roles';
import type { CredentialsSource, UpstashCredentials } from './credentials';
import { wireTimer } from './loop-delay';
import { UpstashHttp } from './upstash-http';
import type { MetricsRecorder } from './metrics/recorder';
import { NOOP_METRICS } from './metrics/recorder';

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
    const timer = wireTimer(this.timeoutMs);
    try {
      const res = await requester.request<TResult>({ ...req, signal: timer.signal });
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

/** A `Redis` object for commands, pipelines and auto-pipelining; its own `fetch` transport goes unused. */
function newRedis(creds: UpstashCredentials, opts: UpstashClientOptions): Redis {
  return new Redis({
    url: creds.url,
    token: creds.token,
    automaticDeserialization: false,
    enableAutoPipelining: opts.autoPipelining ?? true,
    enableTelemetry: false,
  });
}

function transport(creds: UpstashCredentials, opts: UpstashClientOptions): UpstashHttp {
  return new UpstashHttp({ url: creds.url, token: creds.token, retries: opts.retries ?? 1 });
}

export async function createUpstashClient(source: CredentialsSource, opts: UpstashClientOptions = {}): Promise<Redis> {
  const metrics = opts.metrics ?? NOOP_METRICS;
  const database = opts.database ?? 'cache';
  const creds = await source.get();
  const redis = newRedis(creds, opts);
  const requester = new RefreshingRequester(
    transport(creds, opts),
    async () => transport(await source.refresh(), opts),
    (outcome) => metrics.increment('upstash_requests_total', { database, outcome }),
    opts.timeoutMs ?? DEFAULT_UPSTASH_TIMEOUT_MS,
  );
  // The `Redis` object's HTTP client is a protected field; swapping it sends every command,
  // pipeline and auto-pipeline through ours.
  (redis as unknown as { client: Requester }).client = requester;
  return redis;
}
