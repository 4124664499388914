/**
 * Billed Upstash commands per request kind in the default configuration, by database: the figures
 * the capacity model prices. `bench/cost.bench.ts` measures them and prints them beside these;
 * `test/cost/request-costs.test.ts` measures them on real Redis and fails when they drift, so a
 * change to a request's commands changes this table (and `docs/capacity.md`, rendered from it).
 */
import type { RequestKind } from './request-kinds';

export interface CommandProfile {
  readonly cache: number;
  readonly guardrails: number;
}

export const REQUEST_PROFILE: Readonly<Record<RequestKind, CommandProfile>> = {
  'hit': { cache: 1, guardrails: 0 },
  'hit-exact': { cache: 1, guardrails: 1 },
  'stale': { cache: 3, guardrails: 1 },
  // A never-read resource: its generation mirror is missing, read from the guardrails database and reinstalled.
  'miss': { cache: 5, guardrails: 2 },
  'bypass': { cache: 1, guardrails: 1 },
  'rate-limited': { cache: 1, guardrails: 0 },
  // The limiter's in-process list of clients over their limit answers without Redis.
  'rate-limited-exact': { cache: 1, guardrails: 0 },
  // The entry and its refresh lock go together: a body fetched before is not stored after.
  'admin-invalidate-keys': { cache: 2, guardrails: 3 },
  'admin-invalidate-prefix': { cache: 6, guardrails: 3 },
  'admin-invalidate-event': { cache: 7, guardrails: 8 },
  'admin-surface-bump': { cache: 1, guardrails: 4 },
  'admin-bypass': { cache: 1, guardrails: 2 },
  'admin-allowlist': { cache: 0, guardrails: 2 },
  'admin-status': { cache: 0, guardrails: 8 },
  'warmup-entry': { cache: 5, guardrails: 1 },
  'audit-batch': { cache: 3, guardrails: 1 },
  'metrics-flush': { cache: 0, guardrails: 1 },
};

/**
 * Kinds whose count depends on timing or state: SCAN iterations, periodic snapshots, lock and
 * report writes per run, generation mirrors missing or present.
 */
export const APPROXIMATE_KINDS: readonly RequestKind[] = ['admin-invalidate-prefix', 'admin-status', 'warmup-entry', 'audit-batch'];
