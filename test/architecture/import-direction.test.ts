import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The lint rule of eslint.config.mjs that keeps imports running one way (docs/architecture.md),
 * run on snippets placed (virtually) in each folder. ESLint loads its config with a dynamic
 * import, which jest's module system does not run, so it lints in a child process.
 */
interface Case {
  readonly file: string;
  readonly code: string;
}

const ROOT = path.resolve(__dirname, '../..');

const LINT = `
import { ESLint } from 'eslint';
const cases = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const c of cases) {
  const [result] = await eslint.lintText(c.code, { filePath: c.file });
  out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
}
console.log(JSON.stringify(out));
`;

function restrictedImports(cases: readonly Case[]): string[][] {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', LINT, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

const importing = (file: string, specifier: string): Case => ({ file, code: `import { thing } from '${specifier}';\nexport const value = thing;\n` });

const WRONG_WAY: readonly Case[] = [
  importing('lambdas/audit/x.ts', '../../alerts/config'),
  importing('lambdas/audit/x.ts', '../warmup/handler'),
  importing('lambdas/warmup/x.ts', '../audit/entry-inspector'),
  importing('lambdas/shared/x.ts', '../rotation/secret-names'),
  importing('lambdas/shared/metrics/x.ts', '../../engine/keys'),
  importing('lambdas/engine/x.ts', '../cache/handler'),
  importing('lambdas/cache/x.ts', '../../stacks/runtime-stack'),
  importing('lambdas/cache/x.ts', 'cdktn'),
  importing('stacks/x.ts', '../lambdas/rotation/secret-names'),
  importing('alerts/x.ts', '../lambdas/shared/metrics/render'),
  importing('dashboards/x.ts', '../stacks/runtime-stack'),
  importing('constructs/lambda/x.ts', '../../stacks/runtime-stack'),
  importing('constructs/lambda/x.ts', '../../config/validate'),
  importing('contracts/x.ts', '../config'),
  importing('config/x.ts', '../lambdas/shared/http'),
];

const RIGHT_WAY: readonly Case[] = [
  importing('lambdas/audit/x.ts', '../../contracts/thresholds'),
  importing('lambdas/audit/x.ts', '../maintenance/entry-inspector'),
  importing('lambdas/warmup/x.ts', '../../config/warmup-manifest'),
  importing('lambdas/engine/x.ts', '../guardrails/backpressure'),
  importing('lambdas/cache/x.ts', '../engine/cache-engine'),
  importing('stacks/x.ts', '../contracts/secrets'),
  importing('stacks/x.ts', '../alerts/grafana'),
  importing('alerts/x.ts', '../contracts/metrics'),
  importing('alerts/x.ts', './config'),
  importing('local/x.ts', '../lambdas/cache/handler'),
];

describe('import direction lint rule', () => {
  it('fails each import that runs the wrong way, naming the layer rule', () => {
    const results = restrictedImports(WRONG_WAY);
    WRONG_WAY.forEach((c, i) => {
      expect({ ...c, messages: results[i] }).toEqual({ ...c, messages: [expect.stringMatching(/import is restricted/)] });
    });
    expect(results[1][0]).toMatch(/never another function/);
  });

  it('lets the allowed directions through', () => {
    const results = restrictedImports(RIGHT_WAY);
    RIGHT_WAY.forEach((c, i) => expect({ ...c, messages: results[i] }).toEqual({ ...c, messages: [] }));
  });
});
