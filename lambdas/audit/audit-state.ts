/**
 * Where an audit pass stands, kept in the GUARDRAILS database (it must not be evicted) so the
 * next run resumes the `SCAN` where the last one stopped. Writes carry the job lock's fencing
 * number: a run that lost its lock (paused past its lease) can no longer move the cursor back.
 * Dry runs keep their own state, so a dry run never moves the real pass.
 */
import type { Redis } from '@upstash/redis';
import { validateSegment } from '../engine/keys';

export interface AuditState {
  /** SCAN cursor to continue from; `'0'` starts a new pass. */
  readonly cursor: string;
  /** When the current pass started (ms since epoch). */
  readonly passStartedAtMs: number;
  /** Runs so far in this pass. */
  readonly runs: number;
  /** Fencing number of the lock held by the run that wrote this. */
  readonly fence: number;
  readonly updatedAtMs: number;
  /** Live entries counted so far in this pass, per surface (published when the pass completes). */
  readonly entries?: Readonly<Record<string, EntryTotals>>;
}

export interface EntryTotals {
  readonly count: number;
  readonly bytes: number;
}

function parseEntries(raw: unknown): Record<string, EntryTotals> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const out: Record<string, EntryTotals> = {};
  for (const [ns, v] of Object.entries(raw as Record<string, { count?: unknown; bytes?: unknown }>)) {
    if (typeof v?.count === 'number' && typeof v.bytes === 'number') out[ns] = { count: v.count, bytes: v.bytes };
  }
  return out;
}

// Writes ARGV[1] unless the stored state carries a higher fence than ARGV[2].
const SAVE_FENCED = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local f = tonumber(string.match(cur, '"fence":(%d+)'))
  if f and f > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1`;

/** State is dropped after this long without a run, so an abandoned pass restarts. */
const STATE_TTL_SECONDS = 90 * 86_400;

/** `database`: a further cache database (`cache-<id>`), audited with its own cursor and report. */
export function auditStateKey(env: string, dryRun: boolean, database?: string): string {
  return `${validateSegment('env', env)}:audit:state${dryRun ? ':dry-run' : ''}${database ? `:${database}` : ''}`;
}

export function auditReportKey(env: string, dryRun: boolean, database?: string): string {
  return `${validateSegment('env', env)}:audit:report${dryRun ? ':dry-run' : ''}${database ? `:${database}` : ''}`;
}

export class AuditStateStore {
  private readonly key: string;

  constructor(private readonly redis: Pick<Redis, 'get' | 'eval'>, env: string, dryRun: boolean, database?: string) {
    this.key = auditStateKey(env, dryRun, database);
  }

  /** The saved state, or undefined when no pass is under way (or the saved value is unreadable). */
  async load(): Promise<AuditState | undefined> {
    const raw = await this.redis.get<string>(this.key);
    if (raw === null || raw === undefined) return undefined;
    try {
      const s = JSON.parse(String(raw)) as Partial<AuditState>;
      if (typeof s.cursor !== 'string' || !/^\d+$/.test(s.cursor) || typeof s.passStartedAtMs !== 'number') return undefined;
      return {
        cursor: s.cursor, passStartedAtMs: s.passStartedAtMs, runs: Number(s.runs) || 0, fence: Number(s.fence) || 0,
        updatedAtMs: Number(s.updatedAtMs) || 0, entries: parseEntries(s.entries),
      };
    } catch {
      return undefined;
    }
  }

  /** Saves the state; false when a run with a newer lock already wrote it. */
  async save(state: AuditState): Promise<boolean> {
    // `fence` first so the script's pattern finds it before anything else.
    const value = JSON.stringify({
      fence: state.fence, cursor: state.cursor, passStartedAtMs: state.passStartedAtMs, runs: state.runs, updatedAtMs: state.updatedAtMs, entries: state.entries,
    });
    const res = await this.redis.eval(SAVE_FENCED, [this.key], [value, String(state.fence), String(STATE_TTL_SECONDS)]);
    return Number(res) === 1;
  }
}
