import { IamPolicy } from '@cdktn/provider-aws/lib/iam-policy';
import type { Construct } from 'constructs';
import { deploymentOf, type FunctionName } from '../config';
import { HttpApi, type HttpRoute } from '../constructs/api/http-api';
import { policyDocument } from '../constructs/iam/policy';
import { BundledFunction } from '../constructs/lambda/bundled-function';
import { ScheduledInvocations } from '../constructs/scheduling/scheduled-invocations';
import type { EncryptedSecret } from '../constructs/secrets/encrypted-secret';
import { physicalNames } from '../contracts/naming';
import { ROUTE_IDS, ROUTE_TABLE } from '../contracts/routes';
import { DATABASE_ID_ENV, SECRET_ID_ENV, cacheShardNames } from '../contracts/secrets';
import type { DataStack } from './data-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';
import type { SecretsStack } from './secrets-stack';

export interface RuntimeStackProps extends PlatformStackProps {
  /** The environment's data stack: the audit job measures its databases' usage by id. */
  readonly data: DataStack;
  /** The environment's secrets stack: functions read its secrets (cross-stack references). */
  readonly secrets: SecretsStack;
}

export type RuntimeFunctionName = Exclude<FunctionName, 'rotation'>;

/**
 * The ADOT collector layer (arm64): a Lambda extension receiving OTLP on localhost:4318 and
 * forwarding traces to X-Ray. Pinned; the README says why the SDK-plus-collector setup was chosen.
 */
export function adotCollectorLayerArn(region: string): string {
  return `arn:aws:lambda:${region}:901920570463:layer:aws-otel-collector-arm64-ver-0-102-1:1`;
}

/** Functions that create spans of their own; the others keep Lambda's own X-Ray segments. */
const SPAN_EXPORTING_FUNCTIONS: readonly RuntimeFunctionName[] = ['cache', 'admin'];

/**
 * `<env>-runtime`: the cache engine and admin functions behind one HTTP API, the warmup and audit
 * jobs on EventBridge Scheduler, each function with its own role reading only the secrets it needs.
 * Alarms and dashboards on these resources are the observability stack's.
 */
export class RuntimeStack extends PlatformStack {
  readonly functions: Readonly<Record<RuntimeFunctionName, BundledFunction>>;
  readonly api: HttpApi;
  readonly schedules: ScheduledInvocations;
  /** Managed policy allowing the admin routes (when they take IAM authorization). */
  readonly adminInvokePolicy?: IamPolicy;

  constructor(scope: Construct, id: string, props: RuntimeStackProps) {
    super(scope, id, props);
    const { env, data, secrets } = props;
    const deployment = deploymentOf(env);
    const names = physicalNames(deployment.namePrefix, env.name);

    const fn = (name: RuntimeFunctionName, description: string, reads: readonly [EncryptedSecret, string][]): BundledFunction => {
      const settings = deployment.lambdas[name];
      const f = new BundledFunction(this, name, {
        entry: `lambdas/${name}/handler.ts`,
        functionName: names.functionName(name),
        description,
        memoryMb: settings.memoryMb,
        timeoutSeconds: settings.timeoutSeconds,
        reservedConcurrency: settings.reservedConcurrency,
        logRetentionDays: env.logRetentionDays,
        logEncryptionKey: secrets.key,
        environment: { CACHE_ENV: env.name },
        tracing: SPAN_EXPORTING_FUNCTIONS.includes(name) ? { collectorLayerArn: adotCollectorLayerArn(env.aws.region) } : undefined,
      });
      for (const [secret, envVar] of reads) {
        secret.grantRead(f);
        f.addEnvironment(envVar, secret.secretArn);
      }
      return f;
    };
    const cacheDb: [EncryptedSecret, string] = [secrets.cacheCredentials, SECRET_ID_ENV.cache];
    // Further cache databases: every function that reaches the cache reaches each of them.
    const cacheShards: [EncryptedSecret, string][] = [...secrets.cacheShardCredentials].map(([id, secret]) => [secret, cacheShardNames(env.name, id).secretIdEnv]);
    const guardrailsDb: [EncryptedSecret, string] = [secrets.guardrailsCredentials, SECRET_ID_ENV.guardrails];
    // Each kind of token is read only by the function that checks it: the internet-facing cache
    // function never sees the admin token.
    this.functions = {
      cache: fn('cache', 'Read-through response cache', [cacheDb, ...cacheShards, guardrailsDb,
        [secrets.readToken, SECRET_ID_ENV.readToken], [secrets.metricsToken, SECRET_ID_ENV.metricsToken]]),
      admin: fn('admin', 'Invalidation, bypass and allowlist admin API', [cacheDb, ...cacheShards, guardrailsDb, [secrets.adminToken, SECRET_ID_ENV.adminToken]]),
      warmup: fn('warmup', 'Scheduled cache warmup', [cacheDb, ...cacheShards, guardrailsDb]),
      // The audit reads Upstash usage stats through the Developer API, by database id.
      audit: fn('audit', 'Scheduled cache and quota audit', [cacheDb, ...cacheShards, guardrailsDb, [secrets.developerApiKey, SECRET_ID_ENV.developerApi]]),
    };
    this.functions.audit.addEnvironment(DATABASE_ID_ENV.cache, data.cache.databaseId);
    this.functions.audit.addEnvironment(DATABASE_ID_ENV.guardrails, data.guardrails.databaseId);
    for (const [id, db] of data.cacheShards) this.functions.audit.addEnvironment(cacheShardNames(env.name, id).databaseIdEnv, db.databaseId);

    // The admin routes get their own, tighter throttling, and AWS IAM authorization where configured.
    const routes: HttpRoute[] = ROUTE_IDS.flatMap((id) => {
      const route = ROUTE_TABLE[id];
      const admin = route.function === 'admin';
      const throttling = admin ? deployment.api.adminThrottling : undefined;
      const authorization = admin && deployment.api.adminIamAuthorization ? 'AWS_IAM' as const : 'NONE' as const;
      return route.methods.map((method) => ({ routeKey: `${method} ${route.path}`, handler: this.functions[route.function], throttling, authorization }));
    });
    this.api = new HttpApi(this, 'http-api', {
      apiName: `${names.prefix}-cache`,
      description: `Cache platform HTTP API (${env.name})`,
      routes,
      throttling: deployment.api.throttling,
      accessLogRetentionDays: env.logRetentionDays,
      accessLogEncryptionKey: secrets.key,
    });
    if (deployment.api.adminIamAuthorization) {
      // Attached by the organisation to operator roles and CI: the only way past the admin routes' IAM check.
      this.adminInvokePolicy = new IamPolicy(this, 'admin-invoke', {
        name: `${names.prefix}-admin-api-invoke`,
        description: `Calls the admin routes of the ${env.name} cache API (the admin token is still required)`,
        policy: policyDocument([{ actions: ['execute-api:Invoke'], resources: routes.filter((r) => r.authorization === 'AWS_IAM').map((r) => this.api.routeInvokeArn(r.routeKey)) }]),
      });
    }

    this.schedules = new ScheduledInvocations(this, 'jobs', {
      namePrefix: names.prefix,
      accountId: env.aws.accountId,
      maximumRetryAttempts: deployment.scheduler.maximumRetryAttempts,
      maximumEventAgeSeconds: deployment.scheduler.maximumEventAgeSeconds,
      deadLetterRetentionSeconds: deployment.scheduler.deadLetterRetentionSeconds,
    });
    this.schedules.addSchedule('warmup', this.functions.warmup, {
      scheduleExpression: env.schedules.warmup,
      description: 'Refreshes the configured hot paths of every surface',
    });
    this.schedules.addSchedule('audit', this.functions.audit, {
      scheduleExpression: env.schedules.audit,
      description: 'Audits cache entries and Upstash quota usage',
    });
  }

  /** Id of the HTTP API (for dashboards and alarms). */
  get apiId(): string {
    return this.api.apiId;
  }
}
