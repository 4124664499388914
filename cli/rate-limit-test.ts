/**
 * `npm run rate-limit:test -- --url <url>`: a smoke test of a running endpoint's rate limiting.
 * Sends N requests with a bounded concurrency, counts allowed and limited answers, and reports the
 * rate-limit headers seen. Exit codes: 0 done, 1 failed (unreachable, errors, 5xx, missing or
 * inconsistent headers), 2 wrong usage.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run rate-limit:test -- --url <url> [options]

  --url <url>            endpoint to drive, e.g. http://127.0.0.1:8787/c/marketing/home
  --requests <n>         requests to send (default 200, at most 100000)
  --concurrency <n>      requests in flight at once (default 20, at most 1000)
  --method <method>      HTTP method (default GET)
  --header <name:value>  extra request header; repeat for several
  --timeout-ms <ms>      per-request timeout (default 10000)
  --json                 print the report as JSON
  -h, --help             show this help

Fails (exit 1) when the URL cannot be reached, a request errors or gets a 5xx, an answer lacks the
RateLimit-Limit/Remaining/Reset headers, or a 429 lacks Retry-After. Wrong usage exits 2.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface SmokeOptions {
  readonly url: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly json: boolean;
}

export interface Range { readonly min: number; readonly max: number }

export interface SmokeReport {
  readonly url: string;
  readonly method: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly elapsedMs: number;
  /** 2xx and 3xx answers. */
  readonly allowed: number;
  /** 429 answers. */
  readonly limited: number;
  /** Other statuses and how often each came. */
  readonly otherStatuses: Readonly<Record<string, number>>;
  /** Requests that got no answer, by error message. */
  readonly errors: Readonly<Record<string, number>>;
  readonly headers: {
    readonly limit: readonly string[];
    readonly remaining?: Range;
    readonly resetSeconds?: Range;
    readonly retryAfterSeconds?: Range;
    /** Answers (not 5xx) with a RateLimit-Limit/Remaining/Reset header missing. */
    readonly missingRateLimitHeaders: number;
    /** 429 answers without Retry-After. */
    readonly limitedWithoutRetryAfter: number;
  };
  /** Why the run failed; empty when it passed. */
  readonly problems: readonly string[];
}

function integer(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new UsageError(`--${name} must be an integer between 1 and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Parses the flags; undefined means help was asked for. Throws {@link UsageError}. */
export function parseFlags(argv: readonly string[]): SmokeOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        requests: { type: 'string' },
        concurrency: { type: 'string' },
        method: { type: 'string' },
        header: { type: 'string', multiple: true },
        'timeout-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return undefined;
  if (!v.url) throw new UsageError('--url is required');
  let url: URL;
  try {
    url = new URL(v.url);
  } catch {
    throw new UsageError(`--url must be an absolute http(s) URL, got ${JSON.stringify(v.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(v.url)}`);
  }
  const requests = integer('requests', v.requests, 200, 100_000);
  const concurrency = integer('concurrency', v.concurrency, 20, 1000);
  const method = (v.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method must be an HTTP method, got ${JSON.stringify(v.method)}`);
  const headers: Record<string, string> = {};
  for (const h of v.header ?? []) {
    const colon = h.indexOf(':');
    const name = colon > 0 ? h.slice(0, colon).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw new UsageError(`--header must look like "Name: value", got ${JSON.stringify(h)}`);
    }
    headers[name] = h.slice(colon + 1).trim();
  }
  return {
    url: url.toString(), requests, concurrency: Math.min(concurrency, requests), method, headers,
    timeoutMs: integer('timeout-ms', v['timeout-ms'], 10_000, 600_000), json: v.json ?? false,
  };
}

function widen(range: Range | undefined, raw: string | null): Range | undefined {
  if (raw === null || raw.trim() === '' || !Number.isFinite(Number(raw))) return range;
  const n = Number(raw);
  return range ? { min: Math.min(range.min, n), max: Math.max(range.max, n) } : { min: n, max: n };
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  return error instanceof Error ? error.message : String(error);
}

/** Drives the endpoint and summarizes what came back. */
export async function runSmoke(options: SmokeOptions): Promise<SmokeReport> {
  let allowed = 0;
  let limited = 0;
  let missing = 0;
  let noRetryAfter = 0;
  const otherStatuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const limits = new Set<string>();
  let remaining: Range | undefined;
  let reset: Range | undefined;
  let retryAfter: Range | undefined;
  let next = 0;
  const started = Date.now();

  const one = async (): Promise<void> => {
    try {
      const res = await fetch(options.url, {
        method: options.method, headers: options.headers, signal: AbortSignal.timeout(options.timeoutMs),
      });
      await res.arrayBuffer();
      if (res.status === 429) limited++;
      else if (res.status >= 200 && res.status < 400) allowed++;
      else otherStatuses[res.status] = (otherStatuses[res.status] ?? 0) + 1;
      const h = res.headers;
      if (res.status < 500) {
        const limit = h.get('ratelimit-limit');
        if (limit === null || h.get('ratelimit-remaining') === null || h.get('ratelimit-reset') === null) missing++;
        if (limit !== null) limits.add(limit);
        remaining = widen(remaining, h.get('ratelimit-remaining'));
        reset = widen(reset, h.get('ratelimit-reset'));
      }
      if (res.status === 429) {
        if (h.get('retry-after') === null) noRetryAfter++;
        retryAfter = widen(retryAfter, h.get('retry-after'));
      }
    } catch (error) {
      const message = describeError(error);
      errors[message] = (errors[message] ?? 0) + 1;
    }
  };
  const worker = async (): Promise<void> => {
    while (next < options.requests) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  const problems: string[] = [];
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  if (errorCount === options.requests) {
    problems.push(`could not reach ${options.url}: ${Object.keys(errors).join(', ')}`);
  } else if (errorCount > 0) {
    problems.push(`${errorCount} of ${options.requests} requests got no answer (${Object.keys(errors).join(', ')})`);
  }
  const serverErrors = Object.entries(otherStatuses).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0);
  if (serverErrors > 0) problems.push(`${serverErrors} answers were 5xx`);
  if (missing > 0) problems.push(`${missing} answers lacked RateLimit-Limit/Remaining/Reset: is rate limiting on for this route?`);
  if (noRetryAfter > 0) problems.push(`${noRetryAfter} answers were 429 without Retry-After`);

  return {
    url: options.url, method: options.method, requests: options.requests, concurrency: options.concurrency,
    elapsedMs: Date.now() - started, allowed, limited, otherStatuses, errors,
    headers: {
      limit: [...limits].sort(), remaining, resetSeconds: reset, retryAfterSeconds: retryAfter,
      missingRateLimitHeaders: missing, limitedWithoutRetryAfter: noRetryAfter,
    },
    problems,
  };
}

function range(r: Range | undefined): string {
  if (!r) return 'not seen';
  return r.min === r.max ? String(r.min) : `${r.min} to ${r.max}`;
}

function counts(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} x${n}`).join(', ');
}

export function formatReport(r: SmokeReport): string {
  return [
    `${r.method} ${r.url}: ${r.requests} requests, concurrency ${r.concurrency}, ${r.elapsedMs} ms`,
    `  allowed (2xx/3xx)      ${r.allowed}`,
    `  limited (429)          ${r.limited}`,
    `  other statuses         ${counts(r.otherStatuses)}`,
    `  no answer              ${counts(r.errors)}`,
    `  RateLimit-Limit        ${r.headers.limit.length > 0 ? r.headers.limit.join(', ') : 'not seen'}`,
    `  RateLimit-Remaining    ${range(r.headers.remaining)}`,
    `  RateLimit-Reset (s)    ${range(r.headers.resetSeconds)}`,
    `  Retry-After (s)        ${range(r.headers.retryAfterSeconds)}`,
    r.problems.length === 0 ? 'OK' : r.problems.map((p) => `FAILED: ${p}`).join('\n'),
  ].join('\n');
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Runs the command; resolves to the exit code. */
export async function main(argv: readonly string[], io: Output = STDIO): Promise<number> {
  let options: SmokeOptions | undefined;
  try {
    options = parseFlags(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`rate-limit:test: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    io.out(USAGE);
    return 0;
  }
  const report = await runSmoke(options);
  if (options.json) io.out(JSON.stringify(report, null, 2));
  else io.out(formatReport(report));
  if (report.problems.length > 0) {
    io.err(`rate-limit:test failed: ${report.problems.join('; ')}`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`rate-limit:test: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
