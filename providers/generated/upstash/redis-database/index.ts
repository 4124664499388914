// GENERATED FILE: DO NOT EDIT. Regenerate with `npm run gen:providers`.
// Source: providers/schemas/upstash.json (upstash/upstash 2.0.1), @cdktn/provider-generator 0.24.0.
// https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktn from 'cdktn';

// Configuration

export interface RedisDatabaseConfig extends cdktn.TerraformMetaArguments {
  /**
  * Upgrade to higher plans automatically when it hits quotas
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#auto_scale RedisDatabase#auto_scale}
  */
  readonly autoScale?: boolean | cdktn.IResolvable;
  /**
  * Budget for the database (default $20). It is used to limit the cost of the database.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#budget RedisDatabase#budget}
  */
  readonly budget?: number;
  /**
  * When enabled, all writes are synchronously persisted to the disk.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#consistent RedisDatabase#consistent}
  */
  readonly consistent?: boolean | cdktn.IResolvable;
  /**
  * Name of the database
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#database_name RedisDatabase#database_name}
  */
  readonly databaseName: string;
  /**
  * Enable eviction, to evict keys when your database reaches the max size
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#eviction RedisDatabase#eviction}
  */
  readonly eviction?: boolean | cdktn.IResolvable;
  /**
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#id RedisDatabase#id}
  *
  * Please be aware that the id field is automatically added to all resources in Terraform providers using a Terraform provider SDK version below 2.
  * If you experience problems setting this value it might not be settable. Please take a look at the provider documentation to ensure it should be settable.
  */
  readonly id?: string;
  /**
  * Ip CIDR allowlist for the database. If not set, all IPs are allowed to connect to the database.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#ip_allowlist RedisDatabase#ip_allowlist}
  */
  readonly ipAllowlist?: string[];
  /**
  * When enabled, database becomes highly available and is deployed in multiple zones.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#multizone RedisDatabase#multizone}
  */
  readonly multizone?: boolean | cdktn.IResolvable;
  /**
  * Primary region for the database (Only works if region='global'.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#primary_region RedisDatabase#primary_region}
  */
  readonly primaryRegion?: string;
  /**
  * Whether Prod Pack is enabled for the database.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#prod_pack RedisDatabase#prod_pack}
  */
  readonly prodPack?: boolean | cdktn.IResolvable;
  /**
  * Read regions for the database (Only works if region='global' and primary_region is set.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#read_regions RedisDatabase#read_regions}
  */
  readonly readRegions?: string[];
  /**
  * region of the database. Possible values are: "global", "eu-west-1", "us-east-1", "us-west-1", "ap-northeast-1" , "eu-central1"
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#region RedisDatabase#region}
  */
  readonly region: string;
  /**
  * When enabled, data is encrypted in transit.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#tls RedisDatabase#tls}
  */
  readonly tls?: boolean | cdktn.IResolvable;
}

/**
* Represents a {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database upstash_redis_database}
*/
export class RedisDatabase extends cdktn.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "upstash_redis_database";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTN code for importing a RedisDatabase resource upon running "cdktn plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the RedisDatabase to import
  * @param importFromId The id of the existing RedisDatabase that should be imported. Refer to the {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the RedisDatabase to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktn.TerraformProvider) {
        return new cdktn.ImportableResource(scope, importToId, { terraformResourceType: "upstash_redis_database", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/upstash/upstash/2.0.1/docs/resources/redis_database upstash_redis_database} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options RedisDatabaseConfig
  */
  public constructor(scope: Construct, id: string, config: RedisDatabaseConfig) {
    super(scope, id, {
      terraformResourceType: 'upstash_redis_database',
      terraformGeneratorMetadata: {
        providerName: 'upstash',
        providerVersion: '2.0.1',
        providerVersionConstraint: '2.0.1'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    });
    this._autoScale = config.autoScale;
    this._budget = config.budget;
    this._consistent = config.consistent;
    this._databaseName = config.databaseName;
    this._eviction = config.eviction;
    this._id = config.id;
    this._ipAllowlist = config.ipAllowlist;
    this._multizone = config.multizone;
    this._primaryRegion = config.primaryRegion;
    this._prodPack = config.prodPack;
    this._readRegions = config.readRegions;
    this._region = config.region;
    this._tls = config.tls;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // auto_scale - computed: false, optional: true, required: false
  private _autoScale?: boolean | cdktn.IResolvable; 
  public get autoScale() {
    return this.getBooleanAttribute('auto_scale');
  }
  public set autoScale(value: boolean | cdktn.IResolvable) {
    this._autoScale = value;
  }
  public resetAutoScale() {
    this._autoScale = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get autoScaleInput() {
    return this._autoScale;
  }

  // budget - computed: false, optional: true, required: false
  private _budget?: number; 
  public get budget() {
    return this.getNumberAttribute('budget');
  }
  public set budget(value: number) {
    this._budget = value;
  }
  public resetBudget() {
    this._budget = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get budgetInput() {
    return this._budget;
  }

  // consistent - computed: false, optional: true, required: false
  private _consistent?: boolean | cdktn.IResolvable; 
  public get consistent() {
    return this.getBooleanAttribute('consistent');
  }
  public set consistent(value: boolean | cdktn.IResolvable) {
    this._consistent = value;
  }
  public resetConsistent() {
    this._consistent = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get consistentInput() {
    return this._consistent;
  }

  // creation_time - computed: true, optional: false, required: false
  public get creationTime() {
    return this.getNumberAttribute('creation_time');
  }

  // database_id - computed: true, optional: false, required: false
  public get databaseId() {
    return this.getStringAttribute('database_id');
  }

  // database_name - computed: false, optional: false, required: true
  private _databaseName?: string; 
  public get databaseName() {
    return this.getStringAttribute('database_name');
  }
  public set databaseName(value: string) {
    this._databaseName = value;
  }
  // Temporarily expose input value. Use with caution.
  public get databaseNameInput() {
    return this._databaseName;
  }

  // database_type - computed: true, optional: false, required: false
  public get databaseType() {
    return this.getStringAttribute('database_type');
  }

  // db_daily_bandwidth_limit - computed: true, optional: false, required: false
  public get dbDailyBandwidthLimit() {
    return this.getNumberAttribute('db_daily_bandwidth_limit');
  }

  // db_disk_threshold - computed: true, optional: false, required: false
  public get dbDiskThreshold() {
    return this.getNumberAttribute('db_disk_threshold');
  }

  // db_max_clients - computed: true, optional: false, required: false
  public get dbMaxClients() {
    return this.getNumberAttribute('db_max_clients');
  }

  // db_max_commands_per_second - computed: true, optional: false, required: false
  public get dbMaxCommandsPerSecond() {
    return this.getNumberAttribute('db_max_commands_per_second');
  }

  // db_max_entry_size - computed: true, optional: false, required: false
  public get dbMaxEntrySize() {
    return this.getNumberAttribute('db_max_entry_size');
  }

  // db_max_request_size - computed: true, optional: false, required: false
  public get dbMaxRequestSize() {
    return this.getNumberAttribute('db_max_request_size');
  }

  // db_memory_threshold - computed: true, optional: false, required: false
  public get dbMemoryThreshold() {
    return this.getNumberAttribute('db_memory_threshold');
  }

  // endpoint - computed: true, optional: false, required: false
  public get endpoint() {
    return this.getStringAttribute('endpoint');
  }

  // eviction - computed: false, optional: true, required: false
  private _eviction?: boolean | cdktn.IResolvable; 
  public get eviction() {
    return this.getBooleanAttribute('eviction');
  }
  public set eviction(value: boolean | cdktn.IResolvable) {
    this._eviction = value;
  }
  public resetEviction() {
    this._eviction = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get evictionInput() {
    return this._eviction;
  }

  // id - computed: true, optional: true, required: false
  private _id?: string; 
  public get id() {
    return this.getStringAttribute('id');
  }
  public set id(value: string) {
    this._id = value;
  }
  public resetId() {
    this._id = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get idInput() {
    return this._id;
  }

  // ip_allowlist - computed: false, optional: true, required: false
  private _ipAllowlist?: string[]; 
  public get ipAllowlist() {
    return cdktn.Fn.tolist(this.getListAttribute('ip_allowlist'));
  }
  public set ipAllowlist(value: string[]) {
    this._ipAllowlist = value;
  }
  public resetIpAllowlist() {
    this._ipAllowlist = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get ipAllowlistInput() {
    return this._ipAllowlist;
  }

  // multizone - computed: false, optional: true, required: false
  private _multizone?: boolean | cdktn.IResolvable; 
  public get multizone() {
    return this.getBooleanAttribute('multizone');
  }
  public set multizone(value: boolean | cdktn.IResolvable) {
    this._multizone = value;
  }
  public resetMultizone() {
    this._multizone = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get multizoneInput() {
    return this._multizone;
  }

  // password - computed: true, optional: false, required: false
  public get password() {
    return this.getStringAttribute('password');
  }

  // port - computed: true, optional: false, required: false
  public get port() {
    return this.getNumberAttribute('port');
  }

  // primary_region - computed: false, optional: true, required: false
  private _primaryRegion?: string; 
  public get primaryRegion() {
    return this.getStringAttribute('primary_region');
  }
  public set primaryRegion(value: string) {
    this._primaryRegion = value;
  }
  public resetPrimaryRegion() {
    this._primaryRegion = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get primaryRegionInput() {
    return this._primaryRegion;
  }

  // prod_pack - computed: false, optional: true, required: false
  private _prodPack?: boolean | cdktn.IResolvable; 
  public get prodPack() {
    return this.getBooleanAttribute('prod_pack');
  }
  public set prodPack(value: boolean | cdktn.IResolvable) {
    this._prodPack = value;
  }
  public resetProdPack() {
    this._prodPack = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get prodPackInput() {
    return this._prodPack;
  }

  // read_only_rest_token - computed: true, optional: false, required: false
  public get readOnlyRestToken() {
    return this.getStringAttribute('read_only_rest_token');
  }

  // read_regions - computed: false, optional: true, required: false
  private _readRegions?: string[]; 
  public get readRegions() {
    return cdktn.Fn.tolist(this.getListAttribute('read_regions'));
  }
  public set readRegions(value: string[]) {
    this._readRegions = value;
  }
  public resetReadRegions() {
    this._readRegions = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get readRegionsInput() {
    return this._readRegions;
  }

  // region - computed: false, optional: false, required: true
  private _region?: string; 
  public get region() {
    return this.getStringAttribute('region');
  }
  public set region(value: string) {
    this._region = value;
  }
  // Temporarily expose input value. Use with caution.
  public get regionInput() {
    return this._region;
  }

  // rest_token - computed: true, optional: false, required: false
  public get restToken() {
    return this.getStringAttribute('rest_token');
  }

  // state - computed: true, optional: false, required: false
  public get state() {
    return this.getStringAttribute('state');
  }

  // tls - computed: false, optional: true, required: false
  private _tls?: boolean | cdktn.IResolvable; 
  public get tls() {
    return this.getBooleanAttribute('tls');
  }
  public set tls(value: boolean | cdktn.IResolvable) {
    this._tls = value;
  }
  public resetTls() {
    this._tls = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get tlsInput() {
    return this._tls;
  }

  // user_email - computed: true, optional: false, required: false
  public get userEmail() {
    return this.getStringAttribute('user_email');
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      auto_scale: cdktn.booleanToTerraform(this._autoScale),
      budget: cdktn.numberToTerraform(this._budget),
      consistent: cdktn.booleanToTerraform(this._consistent),
      database_name: cdktn.stringToTerraform(this._databaseName),
      eviction: cdktn.booleanToTerraform(this._eviction),
      id: cdktn.stringToTerraform(this._id),
      ip_allowlist: cdktn.listMapper(cdktn.stringToTerraform, false)(this._ipAllowlist),
      multizone: cdktn.booleanToTerraform(this._multizone),
      primary_region: cdktn.stringToTerraform(this._primaryRegion),
      prod_pack: cdktn.booleanToTerraform(this._prodPack),
      read_regions: cdktn.listMapper(cdktn.stringToTerraform, false)(this._readRegions),
      region: cdktn.stringToTerraform(this._region),
      tls: cdktn.booleanToTerraform(this._tls),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      auto_scale: {
        value: cdktn.booleanToHclTerraform(this._autoScale),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      budget: {
        value: cdktn.numberToHclTerraform(this._budget),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      consistent: {
        value: cdktn.booleanToHclTerraform(this._consistent),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      database_name: {
        value: cdktn.stringToHclTerraform(this._databaseName),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      eviction: {
        value: cdktn.booleanToHclTerraform(this._eviction),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      id: {
        value: cdktn.stringToHclTerraform(this._id),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      ip_allowlist: {
        value: cdktn.listMapperHcl(cdktn.stringToHclTerraform, false)(this._ipAllowlist),
        isBlock: false,
        type: "set",
        storageClassType: "stringList",
      },
      multizone: {
        value: cdktn.booleanToHclTerraform(this._multizone),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      primary_region: {
        value: cdktn.stringToHclTerraform(this._primaryRegion),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      prod_pack: {
        value: cdktn.booleanToHclTerraform(this._prodPack),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      read_regions: {
        value: cdktn.listMapperHcl(cdktn.stringToHclTerraform, false)(this._readRegions),
        isBlock: false,
        type: "set",
        storageClassType: "stringList",
      },
      region: {
        value: cdktn.stringToHclTerraform(this._region),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      tls: {
        value: cdktn.booleanToHclTerraform(this._tls),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
