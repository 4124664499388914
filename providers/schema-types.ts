/**
 * The subset of the `terraform providers schema -json` format that the snapshots under
 * `providers/schemas/` use. `provider_versions` is not printed by terraform; cdktf's generator reads
 * it to pin the version in the generated bindings.
 */
export type SchemaType = string | readonly [string, SchemaType] | readonly [string, unknown];

export interface SchemaAttribute {
  readonly type?: SchemaType;
  /** Plugin-framework object attributes carry their own attributes instead of a `type`. */
  readonly nested_type?: SchemaNestedType;
  readonly description?: string;
  readonly description_kind?: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  readonly deprecated?: boolean;
}

export interface SchemaNestedType {
  readonly nesting_mode: 'single' | 'list' | 'set' | 'map';
  readonly attributes: Readonly<Record<string, SchemaAttribute>>;
}

export interface SchemaBlockType {
  readonly nesting_mode: 'single' | 'list' | 'set' | 'map' | 'group';
  readonly block: SchemaBlock;
  readonly min_items?: number;
  readonly max_items?: number;
}

export interface SchemaBlock {
  readonly attributes?: Readonly<Record<string, SchemaAttribute>>;
  readonly block_types?: Readonly<Record<string, SchemaBlockType>>;
  readonly description?: string;
  readonly description_kind?: string;
  readonly deprecated?: boolean;
}

export interface SchemaEntry {
  readonly version: number;
  readonly block: SchemaBlock;
}

export interface ProviderSchemaEntry {
  readonly provider?: SchemaEntry;
  readonly resource_schemas?: Readonly<Record<string, SchemaEntry>>;
  readonly data_source_schemas?: Readonly<Record<string, SchemaEntry>>;
}

export interface ProviderSchemaFile {
  readonly format_version: string;
  readonly provider_schemas: Readonly<Record<string, ProviderSchemaEntry>>;
  readonly provider_versions?: Readonly<Record<string, string>>;
}
