/**
 * The JSON report of one audit run: counts per finding (found, fixed), sample keys, bytes
 * reclaimed, how far the pass got and the quota readings. `AuditTally` accumulates it batch by batch.
 */
import { FINDING_KINDS, type FindingKind, type OrphanReason, type Verdict } from './key-classifier';
import type { EntryTotals } from './audit-state';
import type { QuotaReading } from './upstash-usage';

export interface FindingCount {
  /** Keys with this problem that the run saw. */
  found: number;
  /** Of those, keys the run fixed (deleted or gave a TTL); 0 in a dry run. */
  fixed: number;
  /** Up to `sampleSize` of the keys found. */
  samples: string[];
}

export interface AuditPassInfo {
  /** True when this run reached the end of the keyspace (the next run starts a new pass). */
  readonly complete: boolean;
  /** Cursor the next run resumes from (`'0'` after a complete pass). */
  readonly cursor: string;
  readonly startedAt: string;
  /** Runs of this pass, this one included. */
  readonly runs: number;
}

export interface AuditReport {
  readonly job: 'audit';
  /** `completed`: ran within its budget (the pass may continue next run); `locked`: another run holds the lock; `failed`: see `errors`. */
  readonly status: 'completed' | 'locked' | 'failed';
  readonly env: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly budgetMs: number;
  readonly pass?: AuditPassInfo;
  readonly scanned: number;
  readonly batches: number;
  readonly healthy: number;
  /** Generation, flag and refresh-lock keys. */
  readonly system: number;
  /** Entries from a newer build (schema or surface version), left alone. */
  readonly newer: number;
  readonly findings: Record<FindingKind, FindingCount>;
  readonly orphanReasons: Partial<Record<OrphanReason, number>>;
  /** Value bytes of the keys deleted. */
  readonly bytesReclaimed: number;
  readonly quota: { readonly source?: string; readonly databases: QuotaReading[] };
  readonly errors: string[];
  /** The runs over the further cache databases (`upstash.cacheShards`), by database name. */
  readonly shards?: Readonly<Record<string, AuditReport>>;
}

export class AuditTally {
  scanned = 0;
  batches = 0;
  healthy = 0;
  system = 0;
  newer = 0;
  bytesReclaimed = 0;
  readonly findings = Object.fromEntries(FINDING_KINDS.map((k) => [k, { found: 0, fixed: 0, samples: [] }])) as unknown as Record<FindingKind, FindingCount>;
  readonly orphanReasons: Partial<Record<OrphanReason, number>> = {};
  /** Live entries per surface over the pass (this run and the runs before it). */
  private readonly entries = new Map<string, EntryTotals>();

  constructor(private readonly sampleSize: number) {}

  /** Continues the entry totals of a pass an earlier run started. */
  resumeEntries(saved: Readonly<Record<string, EntryTotals>> | undefined): void {
    for (const [ns, t] of Object.entries(saved ?? {})) this.entries.set(ns, { ...t });
  }

  /** Counts a live entry of `namespace` (healthy, from a newer build, or kept and given a TTL). */
  entry(namespace: string, bytes: number): void {
    const t = this.entries.get(namespace) ?? { count: 0, bytes: 0 };
    this.entries.set(namespace, { count: t.count + 1, bytes: t.bytes + bytes });
  }

  entryTotals(): Record<string, EntryTotals> {
    return Object.fromEntries(this.entries);
  }

  /** Counts a verdict; returns the finding kind when the key has a problem. */
  see(key: string, verdict: Verdict): FindingKind | undefined {
    this.scanned += 1;
    switch (verdict.kind) {
      case 'healthy': this.healthy += 1; return undefined;
      case 'system': this.system += 1; return undefined;
      case 'newer': this.newer += 1; return undefined;
      case 'gone': return undefined;
      default: {
        const f = this.findings[verdict.kind];
        f.found += 1;
        if (f.samples.length < this.sampleSize) f.samples.push(key);
        if (verdict.kind === 'orphan') this.orphanReasons[verdict.reason] = (this.orphanReasons[verdict.reason] ?? 0) + 1;
        return verdict.kind;
      }
    }
  }

  fixed(kind: FindingKind, bytes = 0): void {
    this.findings[kind].fixed += 1;
    this.bytesReclaimed += bytes;
  }
}
