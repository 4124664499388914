/** How a sorted set carried by a flush is kept: its TTL and how many top members survive a trim. */
export interface RankedKeyOptions {
  readonly ttlSeconds: number;
  readonly keep: number;
}

/**
 * Deltas and gauge values one instance recorded since its last flush, by hash key and field, and
 * increments of sorted-set members (at most `maxRankedMembers` distinct ones; later new members wait
 * for the next batch's room, dropped).
 */
export class PendingBatch {
  private readonly entries = new Map<string, { incr: Map<string, number>; set: Map<string, number> }>();
  private readonly ranked = new Map<string, { members: Map<string, number>; options: RankedKeyOptions }>();
  private rankedMembers = 0;
  private count = 0;

  constructor(private readonly maxRankedMembers = 5_000) {}

  add(key: string, field: string, delta: number): void {
    const incr = this.entry(key).incr;
    const before = incr.get(field);
    if (before === undefined) this.count++;
    incr.set(field, (before ?? 0) + delta);
  }

  set(key: string, field: string, value: number): void {
    const set = this.entry(key).set;
    if (!set.has(field)) this.count++;
    set.set(field, value);
  }

  /** Adds `delta` to `member` of the sorted set `key`; false when the batch has no room for a new member. */
  addRanked(key: string, member: string, delta: number, options: RankedKeyOptions): boolean {
    let entry = this.ranked.get(key);
    const before = entry?.members.get(member);
    if (before === undefined) {
      if (this.rankedMembers >= this.maxRankedMembers) return false;
      this.rankedMembers++;
      this.count++;
    }
    if (!entry) {
      entry = { members: new Map(), options };
      this.ranked.set(key, entry);
    }
    entry.members.set(member, (before ?? 0) + delta);
    return true;
  }

  /** Number of series (hash fields and sorted-set members) the batch touches. */
  get size(): number {
    return this.count;
  }

  /** KEYS and the single ARGV of the flush script. */
  toScriptArgs(): { keys: string[]; arg: string } {
    const keys: string[] = [];
    const data: unknown[][] = [];
    for (const [key, { incr, set }] of this.entries) {
      keys.push(key);
      data.push([flat(incr), flat(set)]);
    }
    for (const [key, { members, options }] of this.ranked) {
      keys.push(key);
      data.push([[], [], flat(members), String(options.ttlSeconds), String(options.keep)]);
    }
    return { keys, arg: JSON.stringify(data) };
  }

  private entry(key: string): { incr: Map<string, number>; set: Map<string, number> } {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { incr: new Map(), set: new Map() };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

function flat(map: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [field, value] of map) out.push(field, String(value));
  return out;
}
