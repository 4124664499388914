import type { Redis } from '@upstash/redis';
import { validateSegment } from '../engine/keys';

/** One invalidation as `/admin/status` shows it: who, what, when, result. */
export interface InvalidationLogEntry {
  /** ISO 8601 time the request was answered. */
  readonly at: string;
  /** Identity of the accepted credential: the admin token's fingerprint (`tok_` + 12 hex of its SHA-256), after the IAM principal when the API checked one; never the token. */
  readonly who: string;
  readonly kind: string;
  /** What was asked for: keys, prefix, event name and data, or surface. */
  readonly target: Readonly<Record<string, unknown>>;
  readonly result: 'ok' | 'failed';
  /** What was deleted or bumped (on success) or the error code (on failure). */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly durationMs: number;
  readonly idempotencyKey?: string;
}

const DEFAULT_LOG_CAPACITY = 200;

/** The log lives in the guardrails database, beside the other operational state. */
export function invalidationLogKey(env: string): string {
  return `${validateSegment('env', env)}:admin:invalidation-log`;
}

/** A capped list (`LPUSH` + `LTRIM` in one transaction), newest first. */
export class InvalidationLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    env: string,
    private readonly capacity = DEFAULT_LOG_CAPACITY,
  ) {
    this.key = invalidationLogKey(env);
  }

  async record(entry: InvalidationLogEntry): Promise<void> {
    const tx = this.redis.multi();
    tx.lpush(this.key, JSON.stringify(entry));
    tx.ltrim(this.key, 0, this.capacity - 1);
    await tx.exec();
  }

  /** Newest first; entries that do not parse are skipped rather than failing the status page. */
  async recent(count = 20): Promise<InvalidationLogEntry[]> {
    const raw = await this.redis.lrange<unknown>(this.key, 0, Math.min(count, this.capacity) - 1);
    const entries: InvalidationLogEntry[] = [];
    for (const item of raw) {
      try {
        entries.push((typeof item === 'string' ? JSON.parse(item) : item) as InvalidationLogEntry);
      } catch {
        // A malformed entry is not worth a failed status page.
      }
    }
    return entries;
  }
}
