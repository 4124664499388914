/**
 * Calls an origin with a timeout and reads its body as bytes (binary safe), streamed with a cap:
 * a body larger than the platform can return is refused as soon as that is known (a
 * `Content-Length` over the cap, or the first chunk past it), never buffered whole. Past the first
 * MiB a read needs one of the process's few body slots (`body-slots.ts`), so concurrent large bodies
 * do not multiply the memory.
 */
import { PROCESS_BODY_SLOTS, type BodySlots, type ReleaseBodySlot } from './body-slots';

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

/**
 * Largest origin body passed through: a Lambda answer is at most 6 MB, and a binary body grows by a
 * third in base64; 64 KiB are left for headers and the JSON envelope.
 */
export const MAX_PASS_THROUGH_BYTES = Math.floor(((6 * 1024 * 1024 - 64 * 1024) * 3) / 4);

/** Its message reaches clients in a 502: it never carries internal error text (that stays in `cause`). */
export class OriginError extends Error {
  constructor(readonly outcome: 'timeout' | 'error' | 'too_large', message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OriginError';
  }
}

export interface OriginReadOptions {
  /** Of the whole call, headers and body. */
  readonly timeoutMs: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Largest body read; more is refused with `OriginError('too_large')`. @default MAX_PASS_THROUGH_BYTES */
  readonly maxBytes?: number;
  /** @default PROCESS_BODY_SLOTS */
  readonly slots?: BodySlots;
}

async function readCapped(res: Response, maxBytes: number, slots: BodySlots, controller: AbortController): Promise<Uint8Array> {
  const tooLarge = (): OriginError => {
    controller.abort();
    return new OriginError('too_large', `the origin answered more than ${maxBytes} bytes, more than the platform can return`);
  };
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let release: ReleaseBodySlot | undefined;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
      // Rejects with the timeout's reason if no slot frees in time.
      if (total > slots.freeBytes && !release) release = await slots.acquire(controller.signal);
    }
  } finally {
    release?.();
  }
  return chunks.length === 1 ? chunks[0] as Uint8Array : Buffer.concat(chunks, total);
}

export async function fetchOrigin(
  fetchFn: FetchFn, url: string, headers: Record<string, string>, opts: OriginReadOptions,
): Promise<OriginResponse> {
  const { timeoutMs, clock = Date.now, maxBytes = MAX_PASS_THROUGH_BYTES, slots = PROCESS_BODY_SLOTS } = opts;
  const started = clock();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('origin timeout', 'TimeoutError')), timeoutMs);
  try {
    // Redirects are answers to cache and pass on, not something to follow on the client's behalf.
    const res = await fetchFn(url, { method: 'GET', headers, signal: controller.signal, redirect: 'manual' });
    const body = await readCapped(res, maxBytes, slots, controller);
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => { out[k.toLowerCase()] = v; });
    return { status: res.status, headers: out, body, durationMs: Math.max(0, clock() - started) };
  } catch (e) {
    if (e instanceof OriginError) throw e;
    const err = e as Error;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      throw new OriginError('timeout', `origin did not answer within ${timeoutMs} ms`);
    }
    throw new OriginError('error', 'the origin request failed (no answer: connection refused, reset or unreachable)', { cause: err });
  } finally {
    clearTimeout(timer);
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
