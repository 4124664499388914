/**
 * The scheduled audit function: runs `CacheAuditor` within a time budget that fits the Lambda's
 * remaining time, flushes the metrics and answers the JSON report (also saved in the guardrails
 * database under `<env>:audit:report`). A failed run throws after logging its report, so the
 * scheduler retries it; the audit is idempotent and resumes from its saved cursor.
 *
 * Event (the schedule's input, all optional): `{"dryRun": true, "budgetSeconds": 300,
 * "restart": true, "deleteMalformed": true}`; a bad field is an error naming it.
 *
 * Environment, besides the database credentials and `CACHE_ENV` (see `../shared/runtime-environment.ts`):
 * - `AUDIT_BUDGET_SECONDS` (default 600, capped by the remaining invocation time less 30 s),
 *   `AUDIT_BATCH_SIZE` (default 500), `AUDIT_DRY_RUN=true`, `AUDIT_DELETE_MALFORMED=true`;
 * - `CACHE_MEMORY_BUDGET_BYTES`: overrides `upstash.cache.memoryBudgetBytes` of the config, recorded
 *   as `memory_budget_bytes` (the memory alert's denominator);
 * - usage source for the quota ratio: `UPSTASH_STATS_SOURCE` (a file path or http(s) URL answering
 *   the Developer API stats JSON; `{database}` becomes `cache` or `guardrails`), else the Developer
 *   API with `DEVELOPER_API_SECRET_ID` (`{"email","apiKey"}`), `UPSTASH_CACHE_DATABASE_ID`,
 *   `UPSTASH_GUARDRAILS_DATABASE_ID` and optionally `UPSTASH_DEVELOPER_API_URL`; with neither, the
 *   quota is not measured (and the report says so: no `quota.source`).
 */
import type { Context } from 'aws-lambda';
import type { Redis } from '@upstash/redis';
import { FunctionContext, type FunctionContextOptions } from '../bootstrap/function-context';
import { DATABASE_ID_ENV, SECRET_ID_ENV, cacheShardNames } from '../../contracts/secrets';
import { DistributedLockCoordinator } from '../guardrails/lock-coordinator';
import { parseDeveloperApiSecret } from '../shared/upstash-developer-api';
import { SecretsManagerText } from '../shared/secrets-manager-credentials';
import { EnvironmentVariables } from '../shared/environment-variables';
import { JobFailedError } from '../maintenance/job-failed-error';
import type { AuditReport } from './audit-report';
import { CacheAuditor, type AuditRunOptions } from './cache-auditor';
import { DeveloperApiUsageSource, FileUsageSource, UrlUsageSource, type UsageStatsSource } from './upstash-usage';
import { perContainer } from '../shared/per-container';

export interface AuditEvent {
  readonly dryRun?: boolean;
  readonly budgetSeconds?: number;
  readonly restart?: boolean;
  readonly deleteMalformed?: boolean;
}

export interface AuditFunctionOptions extends Omit<FunctionContextOptions, 'adminTokens'> {
  /** @default from the environment (see above) */
  readonly usage?: UsageStatsSource;
}

export type AuditFunction = (event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<AuditReport>;

const DEFAULT_BUDGET_SECONDS = 600;
/** Left of the invocation for the last batch, the report and the metrics flush. */
const INVOCATION_MARGIN_MS = 30_000;

export class AuditInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditInputError';
  }
}

/** Validates the schedule's input; anything but an object of the documented fields is refused. */
export function parseAuditEvent(event: unknown): AuditEvent {
  if (event === undefined || event === null) return {};
  if (typeof event !== 'object' || Array.isArray(event)) throw new AuditInputError('the audit event must be a JSON object');
  const e = event as Record<string, unknown>;
  const out: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'dryRun' || k === 'restart' || k === 'deleteMalformed') {
      if (typeof v !== 'boolean') throw new AuditInputError(`event field "${k}" must be true or false, got ${JSON.stringify(v)}`);
      out[k] = v;
    } else if (k === 'budgetSeconds') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new AuditInputError(`event field "budgetSeconds" must be a number >= 0, got ${JSON.stringify(v)}`);
      out.budgetSeconds = v;
    } else if (!['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'].includes(k)) {
      // EventBridge envelope fields are tolerated; anything else is a typo worth failing on.
      throw new AuditInputError(`unknown event field "${k}"; expected dryRun, budgetSeconds, restart, deleteMalformed`);
    }
  }
  return out;
}

/** The usage source the environment configures, or undefined (quota not measured). */
function usageSourceFromEnv(env: NodeJS.ProcessEnv, envName: string, shards?: readonly string[]): UsageStatsSource | undefined {
  const variables = new EnvironmentVariables(env);
  const configured = variables.optional('UPSTASH_STATS_SOURCE');
  if (configured) return /^https?:\/\//.test(configured) ? new UrlUsageSource(configured) : new FileUsageSource(configured.replace(/^file:\/\//, ''));
  const secretId = variables.optional(SECRET_ID_ENV.developerApi);
  if (!secretId) return undefined;
  const cache = variables.optional(DATABASE_ID_ENV.cache);
  const guardrails = variables.optional(DATABASE_ID_ENV.guardrails);
  if (!cache || !guardrails) throw new AuditInputError(`${SECRET_ID_ENV.developerApi} is set but ${DATABASE_ID_ENV.cache} or ${DATABASE_ID_ENV.guardrails} is not`);
  const secret = new SecretsManagerText({ secretId });
  // Further cache databases: their ids come in `UPSTASH_CACHE_<ID>_DATABASE_ID` (set by the runtime stack).
  const shardIds = Object.fromEntries((shards ?? []).flatMap((id) => {
    const value = variables.optional(cacheShardNames(envName, id).databaseIdEnv);
    return value ? [[`cache-${id}`, value]] : [];
  }));
  return new DeveloperApiUsageSource({
    credentials: async () => parseDeveloperApiSecret(await secret.get(), secretId),
    databaseIds: { cache, guardrails, ...shardIds },
    baseUrl: variables.optionalUrl('UPSTASH_DEVELOPER_API_URL'),
  });
}

export async function createAuditFunction(opts: AuditFunctionOptions = {}): Promise<AuditFunction> {
  const ctx = new FunctionContext('audit', opts);
  const { config, metrics, logger, variables } = ctx;
  const budgetSeconds = variables.number('AUDIT_BUDGET_SECONDS', DEFAULT_BUDGET_SECONDS, { positive: true });
  const batchSize = variables.number('AUDIT_BATCH_SIZE', 500, { positive: true, integer: true });
  const dryRun = variables.flag('AUDIT_DRY_RUN');
  const deleteMalformed = variables.flag('AUDIT_DELETE_MALFORMED');
  const memoryBudgetBytes = variables.number('CACHE_MEMORY_BUDGET_BYTES', config.upstash.cache.memoryBudgetBytes, { positive: true });
  // A batch's inspection script runs longer than a single command: give it a wider timeout.
  const timeoutMs = Math.max(config.runtime.redisTimeoutMs, 5_000);
  const cache = await ctx.database('cache', { timeoutMs });
  const guardrails = await ctx.database('guardrails', { timeoutMs });
  const locks = new DistributedLockCoordinator({ redis: guardrails });
  const auditor = new CacheAuditor({
    env: config, cache, guardrails, metrics, locks,
    usage: opts.usage ?? usageSourceFromEnv(ctx.env, config.name, config.upstash.cacheShards?.map((s) => s.id)),
    memoryBudgetBytes,
  });
  // Each further cache database is scanned and fixed with its own cursor, after the default one.
  const shardClients = await ctx.cacheShardDatabases({ timeoutMs });
  const shardAuditors = (config.upstash.cacheShards ?? []).map((shard) => new CacheAuditor({
    env: config, cache: shardClients.get(shard.surfaces[0] as string) as Redis, guardrails, metrics, locks, database: `cache-${shard.id}`,
  }));

  return async (event, context) => {
    const input = parseAuditEvent(event);
    let budgetMs = (input.budgetSeconds ?? budgetSeconds) * 1000;
    const remaining = context?.getRemainingTimeInMillis();
    if (remaining !== undefined) budgetMs = Math.max(0, Math.min(budgetMs, remaining - INVOCATION_MARGIN_MS));
    const run: AuditRunOptions = {
      budgetMs,
      batchSize,
      dryRun: input.dryRun ?? dryRun,
      deleteMalformed: input.deleteMalformed ?? deleteMalformed,
      restart: input.restart,
    };
    const started = Date.now();
    const main = await auditor.run(run);
    const shards: Record<string, AuditReport> = {};
    for (const [i, shardAuditor] of shardAuditors.entries()) {
      const shard = config.upstash.cacheShards?.[i];
      if (shard) shards[`cache-${shard.id}`] = await shardAuditor.run({ ...run, budgetMs: Math.max(0, budgetMs - (Date.now() - started)) });
    }
    const failed = Object.values(shards).filter((r) => r.status === 'failed');
    const report: AuditReport = shardAuditors.length === 0 ? main : {
      ...main,
      status: failed.length > 0 ? 'failed' : main.status,
      errors: [...main.errors, ...failed.flatMap((r) => r.errors)],
      shards,
    };
    await metrics.flush(guardrails);
    if (report.status === 'failed') logger.error('audit finished', { ...report });
    else logger.info('audit finished', { ...report });
    if (report.status === 'failed') throw new JobFailedError(report, `audit failed: ${report.errors.join('; ')}`);
    return report;
  };
}

const auditFunction = perContainer(() => createAuditFunction());

export async function handler(event?: unknown, context?: Context): Promise<AuditReport> {
  return (await auditFunction())(event, context);
}
