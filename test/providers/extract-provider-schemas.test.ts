import { PROVIDERS, type ProviderSpec } from '../../providers/catalog';
import type { ProviderSchemaFile } from '../../providers/schema-types';
import { readSnapshot } from '../../providers/snapshots';
import { extractSnapshot, shortenDescription } from '../../scripts/extract-provider-schemas';

const SPEC: ProviderSpec = {
  name: 'demo',
  source: 'acme/demo',
  version: '1.2.3',
  fqpn: 'registry.terraform.io/acme/demo',
  resources: ['demo_thing'],
  snapshotFile: 'demo.json',
  referenceFile: 'demo-provider-schema.json',
};

const REFERENCE: ProviderSchemaFile = {
  format_version: '1.0',
  provider_schemas: {
    'registry.terraform.io/acme/demo': {
      provider: { version: 0, block: { attributes: { token: { type: 'string', optional: true, sensitive: true } } } },
      resource_schemas: {
        demo_thing: {
          version: 2,
          block: {
            attributes: {
              name: { type: 'string', required: true, description: 'Name of the thing, unique within the account. Long story follows.' },
              id: { type: 'string', computed: true, optional: true },
              tags: { type: ['map', 'string'], optional: true, deprecated: true },
            },
            block_types: {
              rule: { nesting_mode: 'list', min_items: 1, block: { attributes: { expr: { type: 'string', required: true } } } },
            },
          },
        },
        demo_unused: { version: 0, block: { attributes: { x: { type: 'string', optional: true } } } },
      },
      data_source_schemas: { demo_lookup: { version: 0, block: {} } },
    },
  },
};

describe('extractSnapshot', () => {
  const snapshot = extractSnapshot(REFERENCE, SPEC);
  const provider = snapshot.provider_schemas[SPEC.fqpn];

  it('keeps the provider block and only the listed resources, and pins the version', () => {
    expect(Object.keys(provider?.resource_schemas ?? {})).toEqual(['demo_thing']);
    expect(provider?.data_source_schemas).toBeUndefined();
    expect(provider?.provider?.block.attributes?.token).toEqual({ type: 'string', optional: true, sensitive: true });
    expect(snapshot.provider_versions).toEqual({ [SPEC.fqpn]: '1.2.3' });
  });

  it('keeps every attribute, flag and nested block, shortening only descriptions', () => {
    const block = provider?.resource_schemas?.demo_thing?.block;
    expect(provider?.resource_schemas?.demo_thing?.version).toBe(2);
    expect(block?.attributes).toEqual({
      id: { type: 'string', computed: true, optional: true },
      name: { type: 'string', required: true, description: 'Name of the thing, unique within the account.' },
      tags: { type: ['map', 'string'], optional: true, deprecated: true },
    });
    expect(block?.block_types?.rule).toEqual(REFERENCE.provider_schemas[SPEC.fqpn]?.resource_schemas?.demo_thing?.block.block_types?.rule);
  });

  it('fails naming a resource the reference lacks', () => {
    expect(() => extractSnapshot(REFERENCE, { ...SPEC, resources: ['demo_missing'] })).toThrow(/no resource "demo_missing"/);
    expect(() => extractSnapshot(REFERENCE, { ...SPEC, fqpn: 'registry.terraform.io/acme/other' })).toThrow(/no provider "registry.terraform.io\/acme\/other"/);
  });
});

describe('shortenDescription', () => {
  it('keeps leading sentences up to a useful length and cuts long ones at a word', () => {
    expect(shortenDescription('Optional. HTTP headers mapping keys to values. More details here.')).toBe(
      'Optional. HTTP headers mapping keys to values.',
    );
    expect(shortenDescription('One line only.\nSecond paragraph.')).toBe('One line only.');
    const long = shortenDescription(`${'word '.repeat(60)}end.`);
    expect(long.length).toBeLessThanOrEqual(161);
    expect(long).toMatch(/word…$/);
  });
});

describe('committed snapshots', () => {
  it.each(PROVIDERS.map((p) => [p.name, p] as const))('%s holds the provider block and exactly the catalog resources', (_name, spec) => {
    const snapshot = readSnapshot(spec);
    expect(Object.keys(snapshot.provider_schemas)).toEqual([spec.fqpn]);
    expect(snapshot.provider_versions).toEqual({ [spec.fqpn]: spec.version });
    expect(snapshot.provider_schemas[spec.fqpn]?.provider?.block).toBeDefined();
    expect(Object.keys(snapshot.provider_schemas[spec.fqpn]?.resource_schemas ?? {})).toEqual([...spec.resources].sort());
  });
});
