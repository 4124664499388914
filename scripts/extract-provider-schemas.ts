/**
 * Writes the minimal provider schema snapshots under `providers/schemas/` from the full
 * `terraform providers schema -json` references. Run once when the catalog changes:
 *
 *   npx tsx scripts/extract-provider-schemas.ts <dir with the `terraform providers schema -json` outputs>
 *
 * Keeps the provider block and the catalog's resources with every attribute, nested block and flag;
 * only descriptions are shortened to their first sentence. The committed snapshots, not the
 * reference, are what `npm run gen:providers` reads.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROVIDERS, type ProviderSpec } from '../providers/catalog';
import type { ProviderSchemaFile } from '../providers/schema-types';
import { snapshotPath } from '../providers/snapshots';

const MIN_DESCRIPTION = 40;
const MAX_DESCRIPTION = 160;

/** Leading sentences (at least MIN_DESCRIPTION characters, so "Optional." keeps its point), cut at a word boundary when long. */
export function shortenDescription(text: string): string {
  const firstLine = text.trim().split(/\n/)[0]?.trim() ?? '';
  const sentences = firstLine.match(/[^.!?]+(?:[.!?]+(?=\s|$)|$)\s*/g) ?? [firstLine];
  let kept = '';
  for (const sentence of sentences) {
    kept += sentence;
    if (kept.trim().length >= MIN_DESCRIPTION) break;
  }
  kept = kept.trim();
  if (kept.length <= MAX_DESCRIPTION) return kept;
  const cut = kept.slice(0, MAX_DESCRIPTION);
  const space = cut.lastIndexOf(' ');
  return `${space > 0 ? cut.slice(0, space) : cut}…`;
}

/** Deep copy with sorted object keys (stable output) and shortened descriptions. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    out[key] = key === 'description' && typeof item === 'string' ? shortenDescription(item) : normalize(item);
  }
  return out;
}

export function extractSnapshot(reference: ProviderSchemaFile, spec: ProviderSpec): ProviderSchemaFile {
  const provider = reference.provider_schemas[spec.fqpn];
  if (!provider) {
    throw new Error(`reference has no provider "${spec.fqpn}" (found: ${Object.keys(reference.provider_schemas).join(', ')})`);
  }
  const resources: Record<string, unknown> = {};
  for (const type of [...spec.resources].sort()) {
    const schema = provider.resource_schemas?.[type];
    if (!schema) throw new Error(`reference for ${spec.fqpn} has no resource "${type}"`);
    resources[type] = schema;
  }
  return normalize({
    format_version: reference.format_version,
    provider_schemas: { [spec.fqpn]: { provider: provider.provider, resource_schemas: resources } },
    provider_versions: { [spec.fqpn]: spec.version },
  }) as ProviderSchemaFile;
}

function main(referenceDir: string | undefined): void {
  if (!referenceDir) {
    console.error('usage: tsx scripts/extract-provider-schemas.ts <reference-dir>  (the `terraform providers schema -json` outputs)');
    process.exit(2);
  }
  for (const spec of PROVIDERS) {
    const referencePath = join(resolve(referenceDir), spec.referenceFile);
    const reference = JSON.parse(readFileSync(referencePath, 'utf8')) as ProviderSchemaFile;
    const snapshot = extractSnapshot(reference, spec);
    writeFileSync(snapshotPath(spec), `${JSON.stringify(snapshot, null, 2)}\n`);
    console.log(`${spec.source} ${spec.version}: ${spec.resources.length} resources -> ${snapshotPath(spec)}`);
  }
}

if (require.main === module) main(process.argv[2]);
