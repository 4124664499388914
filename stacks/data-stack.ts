import { TerraformOutput } from 'cdktn';
import type { Construct } from 'constructs';
import { UpstashDatabase } from '../constructs/upstash/upstash-database';
import { UpstashProvider } from '../providers/generated/upstash/provider';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/**
 * `<env>-data`: the Upstash databases. `cache` holds responses and may evict; `guardrails` holds
 * rate limits, locks, flags and metrics and must never evict; each `upstash.cacheShards` entry adds
 * a cache database for the surfaces it claims (the scale-out path).
 *
 * The Upstash provider gets no credentials here: it reads `UPSTASH_EMAIL` and `UPSTASH_API_KEY`
 * from the environment of `cdktn diff/deploy`, so no key is ever written to the synthesized JSON.
 */
export class DataStack extends PlatformStack {
  /** The default cache database. */
  readonly cache: UpstashDatabase;
  readonly guardrails: UpstashDatabase;
  /** Further cache databases (`upstash.cacheShards`), by shard id; empty with one cache database. */
  readonly cacheShards: ReadonlyMap<string, UpstashDatabase>;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { upstash } = props.env;
    new UpstashProvider(this, 'upstash', {});

    this.cache = new UpstashDatabase(this, 'cache', {
      databaseName: upstash.cache.name,
      primaryRegion: upstash.primaryRegion,
      readRegions: upstash.readRegions,
      eviction: upstash.cache.eviction,
      budgetUsd: upstash.cache.budgetUsd,
    });
    this.guardrails = new UpstashDatabase(this, 'guardrails', {
      databaseName: upstash.guardrails.name,
      primaryRegion: upstash.primaryRegion,
      readRegions: upstash.readRegions,
      eviction: upstash.guardrails.eviction,
      budgetUsd: upstash.guardrails.budgetUsd,
    });

    // Construct ids `cache-<id>`: the single-database case keeps its ids (and addresses) unchanged.
    this.cacheShards = new Map((upstash.cacheShards ?? []).map((shard) => [shard.id, new UpstashDatabase(this, `cache-${shard.id}`, {
      databaseName: shard.name,
      primaryRegion: upstash.primaryRegion,
      readRegions: upstash.readRegions,
      eviction: shard.eviction,
      budgetUsd: shard.budgetUsd,
    })]));

    // For people and scripts; other stacks use the constructs (cross-stack references).
    const named: [string, UpstashDatabase][] = [['cache', this.cache], ['guardrails', this.guardrails],
      ...[...this.cacheShards].map(([id, db]): [string, UpstashDatabase] => [`cache-${id}`, db])];
    for (const [name, db] of named) {
      new TerraformOutput(this, `${name}-rest-url`, { value: db.restUrl, description: `REST URL of the ${name} database` });
      new TerraformOutput(this, `${name}-database-id`, { value: db.databaseId, description: `Upstash id of the ${name} database` });
    }
  }
}
