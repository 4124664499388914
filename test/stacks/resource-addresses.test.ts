/**
 * Resource addresses are a contract with every deployed state: the committed inventory
 * (terraform/addresses.json, first written from the last cdktf 0.21 synth) must match what the app
 * synthesizes now. A missing address means Terraform would destroy and recreate that resource.
 */
import { readFileSync, rmSync } from 'node:fs';
import { ADDRESSES_FILE, resourceAddresses } from '../../scripts/resource-addresses';
import { synthesizeApp, type SynthesizedApp } from './synthesized-app';

let app: SynthesizedApp;
beforeAll(() => { app = synthesizeApp(); });
afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

const committed = (): Record<string, string[]> => JSON.parse(readFileSync(ADDRESSES_FILE, 'utf8')) as Record<string, string[]>;

/** What changed between two inventories, by stack: `- address` gone, `+ address` new. */
function changes(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const stack of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = new Set(before[stack] ?? []);
    const b = new Set(after[stack] ?? []);
    for (const x of a) if (!b.has(x)) out.push(`${stack}: - ${x}`);
    for (const x of b) if (!a.has(x)) out.push(`${stack}: + ${x}`);
  }
  return out;
}

describe('resource addresses', () => {
  it('every synthesized stack has exactly the committed addresses (npm run inventory:addresses after a deliberate change)', () => {
    // An empty list reads: nothing renamed, removed or added. A "-" line would replace a live resource.
    expect(changes(committed(), resourceAddresses(app.outdir))).toEqual([]);
  });

  it('covers every stack of every environment', () => {
    expect(Object.keys(committed()).sort()).toEqual(Object.keys(resourceAddresses(app.outdir)).sort());
    expect(Object.keys(committed())).toHaveLength(12);
  });

  it('reports a renamed construct as one address gone and one new (so the check can fail)', () => {
    const before = { 'dev-data': ['upstash_redis_database.cache_database_1AE1A434'] };
    const after = { 'dev-data': ['upstash_redis_database.cache_db_0F00BA44'] };
    expect(changes(before, after)).toEqual([
      'dev-data: - upstash_redis_database.cache_database_1AE1A434',
      'dev-data: + upstash_redis_database.cache_db_0F00BA44',
    ]);
  });
});
