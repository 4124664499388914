/**
 * `npm run inventory:addresses`: writes the Terraform address (`<type>.<name>`) of every resource of
 * every synthesized stack to `terraform/addresses.json`. The file is a contract: an address that
 * disappears makes Terraform destroy that resource and create a new one (a renamed construct id, a
 * moved construct), so test/stacks/resource-addresses.test.ts fails until the change is deliberate
 * and this file is regenerated. It was first written from the last cdktf 0.21 synth, before the move
 * to cdktn, which left every address as it was.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ADDRESSES_FILE = join(__dirname, '..', 'terraform', 'addresses.json');

/** Stack id -> sorted resource addresses, read from a synthesized `outdir`. */
export function resourceAddresses(outdir: string): Record<string, string[]> {
  const stacksDir = join(outdir, 'stacks');
  return Object.fromEntries(readdirSync(stacksDir).sort().map((stack) => {
    const tf = JSON.parse(readFileSync(join(stacksDir, stack, 'cdk.tf.json'), 'utf8')) as {
      resource?: Record<string, Record<string, unknown>>;
    };
    const addresses = Object.entries(tf.resource ?? {}).flatMap(([type, items]) => Object.keys(items).map((name) => `${type}.${name}`));
    return [stack, addresses.sort()];
  }));
}

function renderAddresses(addresses: Record<string, string[]>): string {
  return `${JSON.stringify(addresses, null, 2)}\n`;
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when run
  const { buildApp } = require('../main') as typeof import('../main');
  const outdir = mkdtempSync(join(tmpdir(), 'addresses-'));
  try {
    buildApp({ outdir }).app.synth();
    const addresses = resourceAddresses(outdir);
    writeFileSync(ADDRESSES_FILE, renderAddresses(addresses));
    const count = Object.values(addresses).reduce((n, a) => n + a.length, 0);
    console.log(`Wrote ${count} addresses of ${Object.keys(addresses).length} stacks to terraform/addresses.json`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
