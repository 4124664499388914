/**
 * The Terraform providers that have no prebuilt provider package, pinned to the versions their schema
 * snapshots describe, and the only resources the stacks use. Both the snapshot extraction
 * (`scripts/extract-provider-schemas.ts`) and the binding generation (`npm run gen:providers`) read
 * this list, so adding a resource means adding it here, re-extracting and regenerating.
 */
export interface ProviderSpec {
  /** Local name: the `required_providers` key and the folder under `providers/generated/`. */
  readonly name: string;
  /** Registry source written to `required_providers`. */
  readonly source: string;
  /** Exact provider version the snapshot describes and `required_providers` pins. */
  readonly version: string;
  /** Key of the provider in `terraform providers schema -json` output. */
  readonly fqpn: string;
  /** Resource types kept in the snapshot (and therefore generated). */
  readonly resources: readonly string[];
  /** File name of the snapshot under `providers/schemas/`. */
  readonly snapshotFile: string;
  /** File name of the full schema in the reference folder the snapshot is extracted from. */
  readonly referenceFile: string;
}

export const PROVIDERS: readonly ProviderSpec[] = [
  {
    name: 'upstash',
    source: 'upstash/upstash',
    version: '2.0.1',
    fqpn: 'registry.terraform.io/upstash/upstash',
    resources: ['upstash_redis_database'],
    snapshotFile: 'upstash.json',
    referenceFile: 'upstash-provider-schema.json',
  },
  {
    name: 'grafana',
    source: 'grafana/grafana',
    version: '4.45.1',
    fqpn: 'registry.terraform.io/grafana/grafana',
    resources: [
      'grafana_contact_point',
      'grafana_dashboard',
      'grafana_data_source',
      'grafana_folder',
      'grafana_message_template',
      'grafana_notification_policy',
      'grafana_rule_group',
    ],
    snapshotFile: 'grafana.json',
    referenceFile: 'grafana-provider-schema.json',
  },
];
