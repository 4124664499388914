/**
 * Turns what the read path decided to serve into the HTTP answer: stored headers, `X-Cache`,
 * `Age`, `Cache-Control` with `max-age` and `stale-while-revalidate`, a strong `ETag`, `304` on a
 * matching `If-None-Match`, and no body for `HEAD`.
 */
import type { SurfaceConfig } from '../../config/types';
import { encodeBody, type HttpResult } from '../shared/http';
import { strongEtag, type CachedPayload, type Envelope } from './envelope';
import { ageSeconds } from './freshness';
import type { OriginResponse } from './origin';

export type CacheStatus = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

export interface Served {
  readonly xcache: CacheStatus;
  readonly payload: CachedPayload;
  readonly etag: string;
  readonly ageSeconds: number;
  readonly ttlSeconds: number;
  readonly staleSeconds: number;
  /** False when the origin forbade storing (`no-store`, `private`, uncacheable status). */
  readonly storable: boolean;
  /** Label of `cache_bypass_total{reason}` on BYPASS. */
  readonly bypassReason?: string;
}

/** What is served from a stored entry. */
export function servedEntry(entry: Envelope, xcache: CacheStatus, nowMs: number): Served {
  return {
    xcache,
    payload: entry.payload,
    etag: entry.etag,
    ageSeconds: ageSeconds(entry, nowMs),
    ttlSeconds: entry.ttlSeconds,
    staleSeconds: entry.staleSeconds,
    storable: true,
  };
}

/** The part of an origin answer a surface keeps: status, its stored headers, body. */
export function payloadOf(surface: SurfaceConfig, res: OriginResponse): CachedPayload {
  const headers: Record<string, string> = {};
  for (const name of surface.storedHeaders) {
    const v = res.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  // A redirect is useless without its target, whatever the surface stores.
  if (res.status >= 300 && res.status < 400 && res.headers.location !== undefined) headers.location = res.headers.location;
  return { status: res.status, headers, body: res.body };
}

/** What is served straight from an origin answer. */
export function servedOrigin(surface: SurfaceConfig, res: OriginResponse, xcache: CacheStatus, storable: boolean): Served {
  const payload = payloadOf(surface, res);
  return {
    xcache,
    payload,
    etag: strongEtag(payload.body, payload.headers['content-type']),
    ageSeconds: 0,
    ttlSeconds: surface.ttlSeconds,
    staleSeconds: surface.staleWhileRevalidateSeconds,
    storable,
  };
}

export interface ResponseOptions {
  readonly head: boolean;
  readonly ifNoneMatch?: string;
  /** Rate-limit headers and the like. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

export function cacheControl(s: Served): string {
  if (!s.storable) return 'no-store';
  if (s.xcache === 'BYPASS') return 'no-cache';
  const maxAge = Math.max(0, s.ttlSeconds - s.ageSeconds);
  const swr = s.xcache === 'STALE' ? Math.max(0, s.ttlSeconds + s.staleSeconds - s.ageSeconds) : s.staleSeconds;
  return `public, max-age=${s.xcache === 'STALE' ? 0 : maxAge}, stale-while-revalidate=${swr}`;
}

/** Weak comparison, as RFC 9110 asks for `If-None-Match`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const c = candidate.trim();
    return c === '*' || c.replace(/^W\//, '') === bare;
  });
}

/** Lambda body of a payload, once per body object (hot entries come from DecodedEntries). */
const encodedBodies = new WeakMap<Uint8Array, { body: string; isBase64Encoded: boolean }>();

function lambdaBody(payload: CachedPayload): { body: string; isBase64Encoded: boolean } {
  let encoded = encodedBodies.get(payload.body);
  if (encoded === undefined) {
    encoded = encodeBody(payload.body, payload.headers['content-type']);
    encodedBodies.set(payload.body, encoded);
  }
  return encoded;
}

/** Copies `from` into `to`. Plain assignments: on this hot path, V8 builds `{...a, k: v, ...b}` ~50× slower. */
function copyInto(to: Record<string, string>, from: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(from)) to[name] = from[name] as string;
}

export function buildResponse(s: Served, opts: ResponseOptions): HttpResult {
  const headers: Record<string, string> = {};
  copyInto(headers, s.payload.headers);
  headers.etag = s.etag;
  headers['x-cache'] = s.xcache;
  headers.age = String(s.ageSeconds);
  headers['cache-control'] = cacheControl(s);
  if (opts.extraHeaders) copyInto(headers, opts.extraHeaders);
  const ok = s.payload.status >= 200 && s.payload.status < 300;
  if (ok && etagMatches(opts.ifNoneMatch, s.etag)) {
    delete headers['content-length'];
    return { statusCode: 304, headers, body: '' };
  }
  if (opts.head) return { statusCode: s.payload.status, headers, body: '' };
  const body = lambdaBody(s.payload);
  return { statusCode: s.payload.status, headers, body: body.body, isBase64Encoded: body.isBase64Encoded };
}
