/**
 * A history: every operation of one consistency run with its start and end time (milliseconds on
 * one monotonic clock), what it asked for and what it got. The workload driver records it; the
 * checker (`checker.ts`) reads it and nothing else. Paths are `<surface>/<path>` ("marketing/blog").
 */
import { createHash } from 'node:crypto';

interface Timed {
  /** Position in the history; stable through shrinking. */
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

/** A GET of `/c/<path>` on one engine instance. */
export interface ReadOp extends Timed {
  readonly kind: 'read';
  readonly instance: number;
  readonly path: string;
  /** HTTP status, 0 when the function threw. */
  readonly status: number;
  readonly xcache?: string;
  readonly body?: string;
  readonly error?: string;
}

/** The origin starts answering `version` for `path` (instantaneous: start = end). */
export interface WriteOp extends Timed {
  readonly kind: 'write';
  readonly path: string;
  readonly version: number;
}

export type InvalidationKind = 'keys' | 'prefix' | 'event' | 'surface';

/** `POST /admin/invalidate` through the admin function. */
export interface InvalidateOp extends Timed {
  readonly kind: 'invalidate';
  readonly how: InvalidationKind;
  /** Paths of the workload the request invalidates when it is acknowledged. */
  readonly covers: readonly string[];
  /** Answered 2xx and complete (a prefix purge with nothing left). */
  readonly acked: boolean;
  readonly detail: string;
}

/** `POST /admin/bypass` through the admin function. */
export interface BypassOp extends Timed {
  readonly kind: 'bypass';
  readonly surface: string;
  readonly enabled: boolean;
  readonly ttlSeconds: number;
  readonly acked: boolean;
}

/** A fault injected (from start to end); informational for the checks. */
export interface FaultOp extends Timed {
  readonly kind: 'fault';
  readonly fault: string;
  /**
   * The instance whose origin answers were held (an instance freeze): to that instance the origin
   * did not answer meanwhile.
   */
  readonly instance?: number;
  readonly detail: string;
}

export type Operation = ReadOp | WriteOp | InvalidateOp | BypassOp | FaultOp;
/** An operation before the history numbers it. */
export type NewOperation = Operation extends infer O ? (O extends Operation ? Omit<O, 'id'> : never) : never;

export interface History {
  readonly seed: number;
  /** Every path's version 1 is served from time 0; later versions come from `write` operations. */
  readonly operations: readonly Operation[];
  /** The propagation bound an acknowledged invalidation or bypass has to reach every instance. */
  readonly propagationBoundMs: number;
}

/** What the origin answers for `path` at `version`: self-describing and checksummed. Some bodies
 *  are long enough (> 1 KiB) for the engine to compress them. */
export function originBody(path: string, version: number): string {
  const digest = createHash('sha256').update(`${path}#${version}`).digest('hex').slice(0, 24);
  const pad = path.length % 3 === 0 ? ` ${'lorem ipsum '.repeat(150)}` : '';
  return JSON.stringify({ path, version, digest, pad });
}

/** The version a body claims, when it is exactly what the origin produces for that path. */
export function bodyVersion(path: string, body: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const version = (parsed as { version?: unknown }).version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return undefined;
  return originBody(path, version) === body ? version : undefined;
}

export function surfaceOf(path: string): string {
  return path.slice(0, path.indexOf('/'));
}

/** One operation per line, times relative to the first one: how a (shrunk) history is printed. */
export function formatHistory(operations: readonly Operation[]): string {
  const t0 = Math.min(...operations.map((o) => o.start));
  const t = (ms: number): string => `${(ms - t0).toFixed(0).padStart(6)}`;
  return operations.map((o) => {
    const span = `${t(o.start)} → ${t(o.end)} ms  #${o.id}`;
    switch (o.kind) {
      case 'read': {
        const v = o.body !== undefined ? bodyVersion(o.path, o.body) : undefined;
        return `${span} read ${o.path} on instance ${o.instance}: ${o.status} ${o.xcache ?? ''} ${v !== undefined ? `v${v}` : o.error ?? (o.body ? `body ${JSON.stringify(o.body.slice(0, 60))}` : '')}`;
      }
      case 'write': return `${span} write ${o.path} v${o.version}`;
      case 'invalidate': return `${span} invalidate (${o.how} ${o.detail}) covering ${o.covers.join(', ') || 'nothing'}: ${o.acked ? 'acknowledged' : 'not acknowledged'}`;
      case 'bypass': return `${span} bypass ${o.surface} ${o.enabled ? `on (${o.ttlSeconds} s)` : 'off'}: ${o.acked ? 'acknowledged' : 'not acknowledged'}`;
      case 'fault': return `${span} fault ${o.fault} ${o.detail}`;
    }
  }).join('\n');
}
