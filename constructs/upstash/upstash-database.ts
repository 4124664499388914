import { Token } from 'cdktn';
import { Construct } from 'constructs';
import { RedisDatabase } from '../../providers/generated/upstash/redis-database';

/** Regions an Upstash global database can use as primary or read region (provider 2.0.1). */
export const UPSTASH_GLOBAL_REGIONS: readonly string[] = [
  'us-east-1', 'us-west-1', 'us-west-2', 'eu-central-1', 'eu-west-1', 'sa-east-1', 'ap-southeast-1', 'ap-southeast-2',
];

export interface UpstashDatabaseProps {
  /** Database name in Upstash (lowercase `[a-z0-9-]`, at most 63 characters). */
  readonly databaseName: string;
  /** Primary region of the global database, e.g. `eu-central-1`. */
  readonly primaryRegion: string;
  /** Read replicas; each an Upstash global region other than the primary. @default - none */
  readonly readRegions?: readonly string[];
  /** Evict keys when the database is full: on for a cache, off for data that must not vanish. */
  readonly eviction: boolean;
  /** Monthly budget in USD; Upstash throttles the database when it is reached. */
  readonly budgetUsd: number;
}

/**
 * An Upstash Redis global database with TLS. Exposes its REST URL and id for the secrets stack;
 * its tokens are computed attributes that this construct never exposes, so no stack copies them.
 */
export class UpstashDatabase extends Construct {
  readonly database: RedisDatabase;

  constructor(scope: Construct, id: string, props: UpstashDatabaseProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.databaseName) && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(props.databaseName)) {
      throw new Error(`UpstashDatabase databaseName "${props.databaseName}" must be lowercase [a-z0-9-], at most 63 characters`);
    }
    if (!UPSTASH_GLOBAL_REGIONS.includes(props.primaryRegion)) {
      throw new Error(`UpstashDatabase ${props.databaseName}: primaryRegion "${props.primaryRegion}" must be one of ${UPSTASH_GLOBAL_REGIONS.join(', ')}`);
    }
    const readRegions = props.readRegions ?? [];
    for (const r of readRegions) {
      if (!UPSTASH_GLOBAL_REGIONS.includes(r) || r === props.primaryRegion) {
        throw new Error(`UpstashDatabase ${props.databaseName}: read region "${r}" must be an Upstash global region other than the primary ${props.primaryRegion}`);
      }
    }
    if (!(Number.isFinite(props.budgetUsd) && props.budgetUsd > 0)) {
      throw new Error(`UpstashDatabase ${props.databaseName}: budgetUsd must be a positive number, got ${props.budgetUsd}`);
    }
    this.database = new RedisDatabase(this, 'database', {
      databaseName: props.databaseName,
      // Global databases are the ones with a primary and read regions; regional ones are legacy.
      region: 'global',
      primaryRegion: props.primaryRegion,
      readRegions: readRegions.length > 0 ? [...readRegions].sort() : undefined,
      tls: true,
      eviction: props.eviction,
      budget: props.budgetUsd,
    });
  }

  get databaseId(): string {
    return this.database.databaseId;
  }

  get databaseName(): string {
    return this.database.databaseName;
  }

  /** Hostname of the database, e.g. `eu1-xyz-12345.upstash.io`. */
  get endpoint(): string {
    return this.database.endpoint;
  }

  /** REST URL the runtime uses with `@upstash/redis`. */
  get restUrl(): string {
    return `https://${this.database.endpoint}`;
  }
}
