/**
 * Builds and synthesizes the real app once per test file (all three environments) and reads each
 * stack's `cdk.tf.json` back, so stack tests look at exactly what `cdktn deploy` would get,
 * including the outputs other stacks' cross-stack references add.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../config';
import { buildApp, type EnvironmentStacks } from '../../main';
import type { Synthesized } from '../support/cdk-test-kit';

export interface SynthesizedApp {
  readonly outdir: string;
  readonly stacks: Record<string, EnvironmentStacks>;
  /** Synthesized stack by id, e.g. `prod-runtime`. */
  stack(id: string): Synthesized;
}

function stripMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, stripMetadata(v)]));
  }
  return value;
}

/** Every environment of the config, or the `environments` given (e.g. an example one). */
export function synthesizeApp(environments?: readonly EnvironmentConfig[]): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'stacks-'));
  const { app, stacks } = buildApp({ outdir, environments });
  app.synth();
  const cache = new Map<string, Synthesized>();
  return {
    outdir,
    stacks,
    stack(id: string): Synthesized {
      let s = cache.get(id);
      if (!s) {
        const text = readFileSync(join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8');
        const json = stripMetadata(JSON.parse(text)) as Synthesized['json'];
        s = { text: JSON.stringify(json, null, 2), json };
        cache.set(id, s);
      }
      return s;
    },
  };
}
