import type { Construct } from 'constructs';
import { deploymentOf, type FunctionName } from '../config';
import { HttpApi, type HttpRoute } from '../constructs/api/http-api';
import { BundledFunction } from '../constructs/lambda/bundled-function';
import { ScheduledInvocations } from '../constructs/scheduling/scheduled-invocations';
import type { EncryptedSecret } from '../constructs/secrets/encrypted-secret';
import { SECRET_ID_ENV } from '../lambdas/rotation/secret-names';
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

/** Greedy path of the read-through route (DESIGN section 4). */
export const CACHE_ROUTE_PATH = '/c/{surface}/{proxy+}';

/**
 * `<env>-runtime`: the cache engine and admin functions behind one HTTP API, the warmup and audit
 * jobs on EventBridge Scheduler, each function with its own role reading only the secrets it needs.
 * Alarms and dashboards on these resources are the observability stack's.
 */
export class RuntimeStack extends PlatformStack {
  readonly functions: Readonly<Record<RuntimeFunctionName, BundledFunction>>;
  readonly api: HttpApi;
  readonly schedules: ScheduledInvocations;

  constructor(scope: Construct, id: string, props: RuntimeStackProps) {
    super(scope, id, props);
    const { env, data, secrets } = props;
    const deployment = deploymentOf(env);
    const prefix = `${deployment.namePrefix}-${env.name}`;

    const fn = (name: RuntimeFunctionName, description: string, reads: readonly [EncryptedSecret, string][]): BundledFunction => {
      const settings = deployment.lambdas[name];
      const f = new BundledFunction(this, name, {
        entry: `lambdas/${name}/handler.ts`,
        functionName: `${prefix}-${name}`,
        description,
        memoryMb: settings.memoryMb,
        timeoutSeconds: settings.timeoutSeconds,
        reservedConcurrency: settings.reservedConcurrency,
        logRetentionDays: env.logRetentionDays,
        environment: { CACHE_ENV: env.name },
      });
      for (const [secret, envVar] of reads) f.grantSecretRead(secret, envVar);
      return f;
    };
    const cacheDb: [EncryptedSecret, string] = [secrets.cacheCredentials, SECRET_ID_ENV.cache];
    const guardrailsDb: [EncryptedSecret, string] = [secrets.guardrailsCredentials, SECRET_ID_ENV.guardrails];
    const adminToken: [EncryptedSecret, string] = [secrets.adminToken, SECRET_ID_ENV.adminToken];

    this.functions = {
      // The admin token guards /metrics and /debug/cache on the cache function too.
      cache: fn('cache', 'Read-through response cache', [cacheDb, guardrailsDb, adminToken]),
      admin: fn('admin', 'Invalidation, bypass and allowlist admin API', [cacheDb, guardrailsDb, adminToken]),
      warmup: fn('warmup', 'Scheduled cache warmup', [cacheDb, guardrailsDb]),
      // The audit reads Upstash usage stats through the Developer API, by database id.
      audit: fn('audit', 'Scheduled cache and quota audit', [cacheDb, guardrailsDb, [secrets.developerApiKey, 'DEVELOPER_API_SECRET_ID']]),
    };
    this.functions.audit.addEnvironment('UPSTASH_CACHE_DATABASE_ID', data.cache.databaseId);
    this.functions.audit.addEnvironment('UPSTASH_GUARDRAILS_DATABASE_ID', data.guardrails.databaseId);

    const { cache, admin } = this.functions;
    const adminThrottling = deployment.api.adminThrottling;
    const routes: HttpRoute[] = [
      { routeKey: `GET ${CACHE_ROUTE_PATH}`, handler: cache },
      { routeKey: `HEAD ${CACHE_ROUTE_PATH}`, handler: cache },
      { routeKey: 'GET /healthz', handler: cache },
      { routeKey: 'GET /readyz', handler: cache },
      { routeKey: 'GET /metrics', handler: cache },
      { routeKey: 'GET /debug/cache', handler: cache },
      { routeKey: 'POST /admin/invalidate', handler: admin, throttling: adminThrottling },
      { routeKey: 'POST /admin/bypass', handler: admin, throttling: adminThrottling },
      { routeKey: 'POST /admin/allowlist', handler: admin, throttling: adminThrottling },
      { routeKey: 'GET /admin/status', handler: admin, throttling: adminThrottling },
    ];
    this.api = new HttpApi(this, 'http-api', {
      apiName: `${prefix}-cache`,
      description: `Cache platform HTTP API (${env.name})`,
      routes,
      throttling: deployment.api.throttling,
      accessLogRetentionDays: env.logRetentionDays,
    });

    this.schedules = new ScheduledInvocations(this, 'jobs', {
      namePrefix: prefix,
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
