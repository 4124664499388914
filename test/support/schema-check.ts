/**
 * Checks synthesized Terraform JSON against the committed provider schema snapshots: every provider
 * block, resource and data source of a snapshot provider (`upstash_*`, `grafana_*`) may only use
 * attributes and nested blocks the schema declares, must set every required one, and must pin the
 * provider version the snapshot describes. Escape hatches (`addOverride`) are what this catches.
 *
 *   expect(checkAgainstSchema(JSON.parse(Testing.synth(stack)))).toEqual([]);
 */
import type {
  ProviderSchemaEntry,
  ProviderSchemaFile,
  SchemaAttribute,
  SchemaBlock,
  SchemaNestedType,
} from '../../providers/schema-types';
import { readSnapshots } from '../../providers/snapshots';

export type SchemaProblemKind =
  | 'unknown-type'
  | 'unknown-attribute'
  | 'missing-required'
  | 'computed-only'
  | 'wrong-shape'
  | 'wrong-block'
  | 'block-count'
  | 'provider-version';

export interface SchemaProblem {
  readonly kind: SchemaProblemKind;
  /** Where in the synthesized JSON, e.g. `resource.grafana_rule_group.alerts.rule[0].data[0]`. */
  readonly path: string;
  readonly message: string;
}

/** Terraform meta-arguments, valid on every resource and data source whatever the schema says. */
const RESOURCE_META = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection', '//']);
const PROVIDER_META = new Set(['alias', '//']);

type Json = Record<string, unknown>;

interface KnownProvider {
  readonly localName: string;
  readonly source: string;
  readonly version: string | undefined;
  readonly schema: ProviderSchemaEntry;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A whole-value reference such as `${aws_x.y.z}`: its shape is only known after plan. */
function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

function knownProviders(schemas: readonly ProviderSchemaFile[]): KnownProvider[] {
  return schemas.flatMap((file) =>
    Object.entries(file.provider_schemas).map(([fqpn, schema]) => {
      const [, namespace, name] = fqpn.split('/');
      if (!namespace || !name) throw new Error(`schema key "${fqpn}" is not <host>/<namespace>/<name>`);
      return { localName: name, source: `${namespace}/${name}`, version: file.provider_versions?.[fqpn], schema };
    }),
  );
}

/** The JSON shape a Terraform type takes: collections are arrays or objects, primitives are scalars. */
function expectedShape(type: SchemaAttribute['type']): 'array' | 'object' | 'scalar' | 'any' {
  if (type === 'dynamic' || type === undefined) return 'any';
  if (!Array.isArray(type)) return 'scalar';
  return ['list', 'set', 'tuple'].includes(type[0]) ? 'array' : 'object';
}

function shapeOf(value: unknown): 'array' | 'object' | 'scalar' {
  return Array.isArray(value) ? 'array' : isObject(value) ? 'object' : 'scalar';
}

function checkAttributeShape(name: string, attr: SchemaAttribute, value: unknown, path: string, problems: SchemaProblem[]): void {
  if (value === null || isExpression(value)) return;
  if (attr.nested_type) {
    checkNestedType(attr.nested_type, value, path, problems);
    return;
  }
  const expected = expectedShape(attr.type);
  if (expected !== 'any' && expected !== shapeOf(value)) {
    problems.push({
      kind: 'wrong-shape',
      path,
      message: `attribute "${name}" has type ${JSON.stringify(attr.type)} (${expected}) but got ${shapeOf(value)} ${JSON.stringify(value)}`,
    });
  }
}

function checkNestedType(nested: SchemaNestedType, value: unknown, path: string, problems: SchemaProblem[]): void {
  const block: SchemaBlock = { attributes: nested.attributes };
  const items: [string, unknown][] =
    nested.nesting_mode === 'single'
      ? [[path, value]]
      : nested.nesting_mode === 'map' && isObject(value)
        ? Object.entries(value).map(([k, v]) => [`${path}.${k}`, v])
        : Array.isArray(value)
          ? value.map((v, i) => [`${path}[${i}]`, v])
          : [[path, value]];
  for (const [itemPath, item] of items) {
    if (isObject(item)) checkBlock(block, item, itemPath, new Set(), problems);
    else if (!isExpression(item)) problems.push({ kind: 'wrong-shape', path: itemPath, message: 'expected an object' });
  }
}

/** Validates one configuration object against a schema block, recursing into nested blocks. */
function checkBlock(block: SchemaBlock, config: Json, path: string, meta: ReadonlySet<string>, problems: SchemaProblem[]): void {
  const attributes = block.attributes ?? {};
  const blockTypes = block.block_types ?? {};
  const dynamic = isObject(config.dynamic) ? config.dynamic : {};

  for (const [key, value] of Object.entries(config)) {
    const at = `${path}.${key}`;
    if (meta.has(key) || key === 'dynamic') continue;
    const attr = attributes[key];
    if (attr) {
      if (attr.computed && !attr.optional && !attr.required) {
        problems.push({ kind: 'computed-only', path: at, message: `"${key}" is computed by the provider and cannot be set` });
      }
      checkAttributeShape(key, attr, value, at, problems);
      continue;
    }
    const nested = blockTypes[key];
    if (!nested) {
      problems.push({ kind: 'unknown-attribute', path: at, message: `"${key}" is neither an attribute nor a nested block of this schema` });
      continue;
    }
    if (isExpression(value)) continue;
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      const itemPath = Array.isArray(value) ? `${at}[${i}]` : at;
      if (isObject(item)) checkBlock(nested.block, item, itemPath, new Set(), problems);
      else problems.push({ kind: 'wrong-block', path: itemPath, message: `nested block "${key}" must be an object, got ${JSON.stringify(item)}` });
    });
    const count = items.length;
    if ((nested.max_items !== undefined && count > nested.max_items) || (!(key in dynamic) && nested.min_items !== undefined && count < nested.min_items)) {
      problems.push({
        kind: 'block-count',
        path: at,
        message: `nested block "${key}" appears ${count} times; the schema allows ${nested.min_items ?? 0}..${nested.max_items ?? 'any'}`,
      });
    }
  }

  for (const [key, spec] of Object.entries(dynamic)) {
    const at = `${path}.dynamic.${key}`;
    const nested = blockTypes[key];
    if (!nested) {
      problems.push({ kind: 'wrong-block', path: at, message: `dynamic block "${key}" is not a nested block of this schema` });
    } else if (isObject(spec) && isObject(spec.content)) {
      checkBlock(nested.block, spec.content, `${at}.content`, new Set(), problems);
    }
  }

  for (const [key, attr] of Object.entries(attributes)) {
    if (attr.required && !(key in config)) {
      problems.push({ kind: 'missing-required', path, message: `required attribute "${key}" is not set` });
    }
  }
  for (const [key, nested] of Object.entries(blockTypes)) {
    if ((nested.min_items ?? 0) > 0 && !(key in config) && !(key in dynamic)) {
      problems.push({ kind: 'missing-required', path, message: `required nested block "${key}" is missing (min ${nested.min_items})` });
    }
  }
}

function usesProvider(synth: Json, provider: KnownProvider): boolean {
  const prefix = `${provider.localName}_`;
  const typesIn = (section: unknown): string[] => (isObject(section) ? Object.keys(section) : []);
  return (
    (isObject(synth.provider) && provider.localName in synth.provider) ||
    [...typesIn(synth.resource), ...typesIn(synth.data)].some((type) => type.startsWith(prefix))
  );
}

function checkProvider(synth: Json, provider: KnownProvider, problems: SchemaProblem[]): void {
  if (!usesProvider(synth, provider)) return;
  const providerConfigs = isObject(synth.provider) ? synth.provider[provider.localName] : undefined;
  const configs = providerConfigs === undefined ? [] : Array.isArray(providerConfigs) ? providerConfigs : [providerConfigs];
  configs.forEach((config, i) => {
    const path = `provider.${provider.localName}[${i}]`;
    if (isObject(config) && provider.schema.provider) checkBlock(provider.schema.provider.block, config, path, PROVIDER_META, problems);
  });
  const terraform = isObject(synth.terraform) ? synth.terraform : {};
  const required = isObject(terraform.required_providers) ? terraform.required_providers[provider.localName] : undefined;
  const pinned = isObject(required) ? required : {};
  if (pinned.source !== provider.source || (provider.version !== undefined && pinned.version !== provider.version)) {
    problems.push({
      kind: 'provider-version',
      path: `terraform.required_providers.${provider.localName}`,
      message: `expected source "${provider.source}" version "${provider.version}", got ${JSON.stringify(required ?? null)}`,
    });
  }
}

function checkInstances(
  section: unknown,
  sectionName: 'resource' | 'data',
  providers: readonly KnownProvider[],
  problems: SchemaProblem[],
): void {
  if (!isObject(section)) return;
  for (const [type, instances] of Object.entries(section)) {
    const provider = providers.find((p) => type.startsWith(`${p.localName}_`));
    if (!provider || !isObject(instances)) continue;
    const schemas = sectionName === 'resource' ? provider.schema.resource_schemas : provider.schema.data_source_schemas;
    const schema = schemas?.[type];
    if (!schema) {
      problems.push({
        kind: 'unknown-type',
        path: `${sectionName}.${type}`,
        message: `${sectionName === 'resource' ? 'resource' : 'data source'} type "${type}" is not in the ${provider.source} snapshot`,
      });
      continue;
    }
    for (const [name, config] of Object.entries(instances)) {
      if (isObject(config)) checkBlock(schema.block, config, `${sectionName}.${type}.${name}`, RESOURCE_META, problems);
    }
  }
}

/**
 * Lists every schema problem of the snapshot providers' blocks in one synthesized stack
 * (`cdk.tf.json` content, as a string or parsed). An empty list means the stack is schema-valid.
 */
export function checkAgainstSchema(
  synthJson: string | Record<string, unknown>,
  schemas: readonly ProviderSchemaFile[] = readSnapshots(),
): SchemaProblem[] {
  const synth = (typeof synthJson === 'string' ? JSON.parse(synthJson) : synthJson) as Json;
  const providers = knownProviders(schemas);
  const problems: SchemaProblem[] = [];
  for (const provider of providers) checkProvider(synth, provider, problems);
  checkInstances(synth.resource, 'resource', providers, problems);
  checkInstances(synth.data, 'data', providers, problems);
  return problems;
}

/** One line per problem, for assertion messages. */
export function formatProblems(problems: readonly SchemaProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message} [${p.kind}]`).join('\n');
}
