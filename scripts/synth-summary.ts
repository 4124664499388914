import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StackSummary {
  readonly stack: string;
  readonly resources: number;
  readonly byType: Record<string, number>;
}

/** Counts the resources of every synthesized stack in `outdir`. */
function summarizeSynth(outdir: string): StackSummary[] {
  const stacksDir = join(outdir, 'stacks');
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir).sort().map((stack) => {
    const tf = JSON.parse(readFileSync(join(stacksDir, stack, 'cdk.tf.json'), 'utf8')) as {
      resource?: Record<string, Record<string, unknown>>;
    };
    const byType: Record<string, number> = {};
    for (const [type, items] of Object.entries(tf.resource ?? {})) byType[type] = Object.keys(items).length;
    return { stack, resources: Object.values(byType).reduce((a, b) => a + b, 0), byType };
  });
}

export function printSynthSummary(outdir: string, elapsedMs: number): void {
  const rows = summarizeSynth(outdir);
  const width = Math.max(5, ...rows.map((r) => r.stack.length));
  console.log(`Synthesized ${rows.length} stacks into ${outdir} in ${(elapsedMs / 1000).toFixed(1)} s`);
  console.log(`${'stack'.padEnd(width)}  resources`);
  for (const r of rows) console.log(`${r.stack.padEnd(width)}  ${String(r.resources).padStart(9)}`);
}
