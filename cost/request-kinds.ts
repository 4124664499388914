/**
 * The kinds of request whose cost the benchmark measures and the capacity model prices, with what
 * the model needs besides the measured command counts: which function serves it (its memory prices
 * the GB-seconds), whether it comes through the HTTP API, and how many Upstash round trips it waits
 * for one after another (requests to the two databases that go out together count once).
 */
import type { FunctionName } from '../config/types';

export type RequestKind =
  | 'hit' | 'hit-exact' | 'stale' | 'miss' | 'bypass' | 'rate-limited' | 'rate-limited-exact'
  | 'admin-invalidate-keys' | 'admin-invalidate-prefix' | 'admin-invalidate-event' | 'admin-surface-bump'
  | 'admin-bypass' | 'admin-allowlist' | 'admin-status'
  | 'warmup-entry' | 'audit-batch' | 'metrics-flush';

export interface RequestKindInfo {
  readonly label: string;
  readonly fn: FunctionName;
  /** Counted as an HTTP API request and a Lambda invocation of its own. */
  readonly viaHttpApi: boolean;
  /** Upstash round trips waited for in sequence (sets the Lambda duration with the RTT parameter). */
  readonly sequentialRoundTrips: number;
}

export const REQUEST_KINDS: Readonly<Record<RequestKind, RequestKindInfo>> = {
  'hit': { label: 'hit, marketing (origin-bound rate limit, the default)', fn: 'cache', viaHttpApi: true, sequentialRoundTrips: 1 },
  'hit-exact': { label: 'hit, api (exact rate limit)', fn: 'cache', viaHttpApi: true, sequentialRoundTrips: 1 },
  // MGET, then the rate-limit check (origin-bound), lock SET NX, origin, SET + lock release.
  'stale': { label: 'stale served, refreshed by this request (marketing)', fn: 'cache', viaHttpApi: true, sequentialRoundTrips: 4 },
  // The above, plus the authoritative generation read and the mirror reinstall of a new resource.
  'miss': { label: 'miss of a never-read page (marketing)', fn: 'cache', viaHttpApi: true, sequentialRoundTrips: 6 },
  // MGET (bypass flag set), then the rate-limit check.
  'bypass': { label: 'emergency bypass (marketing)', fn: 'cache', viaHttpApi: true, sequentialRoundTrips: 2 },
  'rate-limited': { label: '429 on a hit, marketing (client refused before on this instance)', fn: 'cache', viaHttpApi: true, sequentialRoundTrips: 1 },
  'rate-limited-exact': { label: '429, api (exact)', fn: 'cache', viaHttpApi: true, sequentialRoundTrips: 1 },
  'admin-invalidate-keys': { label: 'admin: invalidate one key', fn: 'admin', viaHttpApi: true, sequentialRoundTrips: 3 },
  'admin-invalidate-prefix': { label: 'admin: purge a prefix of 10 keys', fn: 'admin', viaHttpApi: true, sequentialRoundTrips: 4 },
  'admin-invalidate-event': { label: 'admin: domain event (article.published)', fn: 'admin', viaHttpApi: true, sequentialRoundTrips: 3 },
  'admin-surface-bump': { label: 'admin: surface generation bump', fn: 'admin', viaHttpApi: true, sequentialRoundTrips: 3 },
  'admin-bypass': { label: 'admin: emergency bypass on', fn: 'admin', viaHttpApi: true, sequentialRoundTrips: 3 },
  'admin-allowlist': { label: 'admin: allowlist an IP', fn: 'admin', viaHttpApi: true, sequentialRoundTrips: 3 },
  'admin-status': { label: 'admin: status', fn: 'admin', viaHttpApi: true, sequentialRoundTrips: 2 },
  'warmup-entry': { label: 'one warmup entry (share of a scheduled run)', fn: 'warmup', viaHttpApi: false, sequentialRoundTrips: 3 },
  'audit-batch': { label: 'one audit batch (share of a scheduled run)', fn: 'audit', viaHttpApi: false, sequentialRoundTrips: 2 },
  'metrics-flush': { label: 'metrics flush (per instance, at most every 5 s while it serves)', fn: 'cache', viaHttpApi: false, sequentialRoundTrips: 0 },
};

export const REQUEST_KIND_NAMES = Object.keys(REQUEST_KINDS) as RequestKind[];
