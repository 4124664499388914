import { run } from '../../bench/invalidation.bench';

// Correctness of the benchmark's measurements only: timing targets are printed by the benchmark,
// never asserted in tests.
describe('invalidation benchmark', () => {
  it('bumps with the same Redis commands whatever the key count, deletes nothing, and reaches every instance', async () => {
    const result = await run({ smallKeyCount: 10, largeKeyCount: 5000, bumps: 5, instances: 3 });
    const [small, large] = result.bumps;
    expect(small.keysPresent).toBe(10);
    expect(large.keysPresent).toBe(5000);
    // One SET in the guardrails database, one DEL (mirror and fill mark) in the cache database.
    expect(small.commandsPerBump).toBe(2);
    expect(large.commandsPerBump).toBe(small.commandsPerBump);
    expect(result.targets.constantCommands).toBe(true);
    // Entries plus at most the one generation key: a bump removes no entry.
    expect(large.dbsizeBefore).toBeGreaterThanOrEqual(5000);
    expect(large.dbsizeAfter).toBe(large.dbsizeBefore);
    expect(result.propagation).toMatchObject({ instances: 3, instancesUpdated: 3 });
    expect(Number.isFinite(result.propagation.maxMs)).toBe(true);
  });
});
