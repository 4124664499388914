/** Deltas and gauge values one instance recorded since its last flush, by hash key and field. */
export class PendingBatch {
  private readonly entries = new Map<string, { incr: Map<string, number>; set: Map<string, number> }>();
  private count = 0;

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

  /** Number of series (hash fields) the batch touches. */
  get size(): number {
    return this.count;
  }

  /** KEYS and the single ARGV of the flush script. */
  toScriptArgs(): { keys: string[]; arg: string } {
    const keys: string[] = [];
    const data: [string[], string[]][] = [];
    for (const [key, { incr, set }] of this.entries) {
      keys.push(key);
      data.push([flat(incr), flat(set)]);
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
