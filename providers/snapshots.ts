import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS, type ProviderSpec } from './catalog';
import type { ProviderSchemaFile } from './schema-types';

/** Folder of the committed schema snapshots: the source of truth for the generated bindings. */
export const SCHEMAS_DIR = join(__dirname, 'schemas');

export function snapshotPath(spec: ProviderSpec): string {
  return join(SCHEMAS_DIR, spec.snapshotFile);
}

export function readSnapshot(spec: ProviderSpec): ProviderSchemaFile {
  return JSON.parse(readFileSync(snapshotPath(spec), 'utf8')) as ProviderSchemaFile;
}

/** Every committed snapshot, in catalog order. */
export function readSnapshots(): ProviderSchemaFile[] {
  return PROVIDERS.map(readSnapshot);
}
