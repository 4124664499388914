import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { GENERATED_DIR } from '../../scripts/gen-providers';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'gen-providers.ts');

function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Files that differ between the committed bindings and a fresh generation, one line each. */
function diffTrees(committed: string, fresh: string): string[] {
  const a = new Set(listFiles(committed));
  const b = new Set(listFiles(fresh));
  const problems: string[] = [];
  for (const file of b) if (!a.has(file)) problems.push(`missing from the committed bindings: ${file}`);
  for (const file of a) if (!b.has(file)) problems.push(`not produced by the generator (stale): ${file}`);
  for (const file of a) {
    if (b.has(file) && readFileSync(join(committed, file), 'utf8') !== readFileSync(join(fresh, file), 'utf8')) {
      problems.push(`differs from a fresh generation: ${file}`);
    }
  }
  return problems.sort();
}

describe('committed provider bindings', () => {
  let fresh: string;

  // The real CLI in a child process (about 1.5 s): the same entry point as `npm run gen:providers`,
  // and its environment settings (offline, quiet terraform) reach the processes it spawns.
  beforeAll(() => {
    fresh = mkdtempSync(join(tmpdir(), 'bindings-'));
    execFileSync(process.execPath, [require.resolve('tsx/cli'), SCRIPT, '--out', fresh], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('match what `npm run gen:providers` produces from the snapshots (run it and commit the result if not)', () => {
    expect(listFiles(fresh).length).toBeGreaterThan(0);
    expect(diffTrees(GENERATED_DIR, fresh)).toEqual([]);
  });

  it('are marked generated in every file', () => {
    const unmarked = listFiles(fresh).filter((f) => !readFileSync(join(fresh, f), 'utf8').includes('GENERATED FILE: DO NOT EDIT'));
    expect(unmarked).toEqual([]);
  });

  it('would name edited, stale and missing files', () => {
    const tampered = mkdtempSync(join(tmpdir(), 'bindings-tampered-'));
    try {
      cpSync(fresh, tampered, { recursive: true });
      writeFileSync(join(tampered, 'upstash/redis-database/index.ts'), '// hand edit\n', { flag: 'a' });
      writeFileSync(join(tampered, 'grafana/old-resource.ts'), 'export {};\n');
      rmSync(join(tampered, 'grafana/folder/index.ts'));
      expect(diffTrees(tampered, fresh)).toEqual([
        'differs from a fresh generation: upstash/redis-database/index.ts',
        'missing from the committed bindings: grafana/folder/index.ts',
        'not produced by the generator (stale): grafana/old-resource.ts',
      ]);
    } finally {
      rmSync(tampered, { recursive: true, force: true });
    }
  });
});
