/**
 * Calls an origin with a timeout and reads the whole body as bytes (binary safe).
 */

export type FetchFn = (
  url: string, init: { method: string; headers: Record<string, string>; signal: AbortSignal; redirect: 'manual' },
) => Promise<Response>;

export interface OriginResponse {
  readonly status: number;
  /** All response headers, lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly durationMs: number;
}

export class OriginError extends Error {
  constructor(readonly outcome: 'timeout' | 'error', message: string) {
    super(message);
    this.name = 'OriginError';
  }
}

export async function fetchOrigin(
  fetchFn: FetchFn, url: string, headers: Record<string, string>, timeoutMs: number, clock: () => number = Date.now,
): Promise<OriginResponse> {
  const started = clock();
  try {
    // Redirects are answers to cache and pass on, not something to follow on the client's behalf.
    const res = await fetchFn(url, { method: 'GET', headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = new Uint8Array(await res.arrayBuffer());
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => { out[k.toLowerCase()] = v; });
    return { status: res.status, headers: out, body, durationMs: Math.max(0, clock() - started) };
  } catch (e) {
    const err = e as Error;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      throw new OriginError('timeout', `origin did not answer within ${timeoutMs} ms`);
    }
    throw new OriginError('error', `origin request failed: ${err.message}`);
  }
}

/** Statuses a shared cache may store (RFC 9111 heuristically cacheable, minus 5xx). */
const CACHEABLE_STATUSES = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414]);

/** True when the origin's answer may be stored: cacheable status and no `no-store`/`private`. */
export function isStorable(res: Pick<OriginResponse, 'status' | 'headers'>): boolean {
  if (!CACHEABLE_STATUSES.has(res.status)) return false;
  const cc = (res.headers['cache-control'] ?? '').toLowerCase();
  return !/(^|[\s,])(no-store|private)([\s,=]|$)/.test(cc);
}
