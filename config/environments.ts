import { DEFAULT_DEPLOYMENT } from './deployment';
import { defaultSurfaces } from './surfaces';
import type { EnvironmentConfig, EnvironmentName, UpstashDatabaseConfig } from './types';
import { validateEnvironment } from './validate';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const QUARTERLY_ROTATION = 'cron(0 8 1 JAN,APR,JUL,OCT ? *)';
// Daily, not the runbook's monthly: each run scans within a time budget and resumes from its
// cursor, and it refreshes the Upstash quota gauge the 55 % / 70 % alerts read.
const DAILY_AUDIT = 'cron(0 3 * * ? *)';

function databases(env: EnvironmentName, paid: boolean): { cache: UpstashDatabaseConfig; guardrails: UpstashDatabaseConfig } {
  // Every environment rotates with two ACL users, so no function uses the default user (Upstash
  // documents ACL users without a plan restriction); reset-password stays available per database.
  const strategy = 'alternating-users';
  return {
    cache: {
      name: `clarivum-cache-${env}`,
      eviction: true,
      budgetUsd: paid ? 200 : 20,
      monthlyRequestQuota: paid ? 200_000_000 : 10_000_000,
      memoryBudgetBytes: paid ? 10 * GIB : 256 * MIB,
      rotationStrategy: strategy,
    },
    guardrails: {
      name: `clarivum-guardrails-${env}`,
      eviction: false,
      budgetUsd: paid ? 100 : 10,
      monthlyRequestQuota: paid ? 100_000_000 : 10_000_000,
      memoryBudgetBytes: paid ? 1 * GIB : 256 * MIB,
      rotationStrategy: strategy,
    },
  };
}

/** The environment's state key (bootstrap in docs/security.md): state holds credentials. */
function stateKeyAlias(env: EnvironmentName, accountId: string): string {
  return `arn:aws:kms:eu-central-1:${accountId}:alias/clarivum-${env}-terraform-state`;
}

/**
 * The remote state `dev` uses when synthesized with `DEV_STATE=s3` (main.ts): the same encrypted,
 * locked S3 backend as staging and prod. The default local state is plain files holding the Upstash
 * default user's credentials, for a developer's own account only.
 */
export const DEV_REMOTE_BACKEND = {
  type: 's3',
  bucket: 'clarivum-terraform-state-dev',
  key: 'cache-platform/terraform.tfstate',
  region: 'eu-central-1',
  dynamodbTable: 'clarivum-terraform-locks-dev',
  kmsKeyId: stateKeyAlias('dev', '111111111111'),
} as const;

/** Shared environments: admin routes behind AWS IAM as well as the admin token. */
const IAM_ADMIN_DEPLOYMENT = { ...DEFAULT_DEPLOYMENT, api: { ...DEFAULT_DEPLOYMENT.api, adminIamAuthorization: true } };

const base = {
  upstashPrimaryRegion: 'eu-central-1',
  runtime: { maxItemBytes: 1024 * 1024, redisTimeoutMs: 500, maxInflight: 200, requestTimeoutMs: 10_000 },
};

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentConfig>> = {
  dev: {
    name: 'dev',
    aws: { region: 'eu-central-1', accountId: '111111111111' },
    upstash: { primaryRegion: base.upstashPrimaryRegion, readRegions: [], ...databases('dev', false) },
    surfaces: defaultSurfaces('https://dev.origin.clarivum.example'),
    schedules: { warmup: 'cron(0 6 ? * MON *)', audit: DAILY_AUDIT, rotation: QUARTERLY_ROTATION },
    logRetentionDays: 7,
    alerting: {
      pagerDutyIntegrationKeySecret: 'clarivum/dev/pagerduty-integration-key',
      warningWebhookUrl: 'https://hooks.example.invalid/clarivum-dev-warnings',
      grafanaUrl: 'https://grafana.dev.clarivum.example',
      prometheusUrl: 'https://prometheus.dev.clarivum.example',
      metricsTarget: 'cache.dev.clarivum.example',
    },
    backend: { type: 'local' },
    runtime: base.runtime,
    deployment: DEFAULT_DEPLOYMENT,
  },
  staging: {
    name: 'staging',
    aws: { region: 'eu-central-1', accountId: '222222222222' },
    upstash: { primaryRegion: base.upstashPrimaryRegion, readRegions: ['us-east-1'], ...databases('staging', true) },
    surfaces: defaultSurfaces('https://staging.origin.clarivum.example'),
    schedules: { warmup: 'cron(0 6 ? * MON *)', audit: DAILY_AUDIT, rotation: QUARTERLY_ROTATION },
    logRetentionDays: 30,
    alerting: {
      pagerDutyIntegrationKeySecret: 'clarivum/staging/pagerduty-integration-key',
      warningWebhookUrl: 'https://hooks.example.invalid/clarivum-staging-warnings',
      grafanaUrl: 'https://grafana.staging.clarivum.example',
      prometheusUrl: 'https://prometheus.staging.clarivum.example',
      metricsTarget: 'cache.staging.clarivum.example',
    },
    backend: {
      type: 's3',
      bucket: 'clarivum-terraform-state-staging',
      key: 'cache-platform/terraform.tfstate',
      region: 'eu-central-1',
      dynamodbTable: 'clarivum-terraform-locks-staging',
      kmsKeyId: stateKeyAlias('staging', '222222222222'),
    },
    runtime: base.runtime,
    deployment: IAM_ADMIN_DEPLOYMENT,
  },
  prod: {
    name: 'prod',
    aws: { region: 'eu-central-1', accountId: '333333333333' },
    upstash: { primaryRegion: base.upstashPrimaryRegion, readRegions: ['us-east-1', 'ap-southeast-1'], ...databases('prod', true) },
    surfaces: defaultSurfaces('https://origin.clarivum.example'),
    schedules: { warmup: 'cron(0 6 ? * MON *)', audit: DAILY_AUDIT, rotation: QUARTERLY_ROTATION },
    logRetentionDays: 90,
    alerting: {
      pagerDutyIntegrationKeySecret: 'clarivum/prod/pagerduty-integration-key',
      warningWebhookUrl: 'https://hooks.example.invalid/clarivum-prod-warnings',
      grafanaUrl: 'https://grafana.clarivum.example',
      prometheusUrl: 'https://prometheus.clarivum.example',
      metricsTarget: 'cache.clarivum.example',
    },
    backend: {
      type: 's3',
      bucket: 'clarivum-terraform-state-prod',
      key: 'cache-platform/terraform.tfstate',
      region: 'eu-central-1',
      dynamodbTable: 'clarivum-terraform-locks-prod',
      kmsKeyId: stateKeyAlias('prod', '333333333333'),
    },
    runtime: { ...base.runtime, maxInflight: 500 },
    deployment: {
      ...IAM_ADMIN_DEPLOYMENT,
      lambdas: { ...DEFAULT_DEPLOYMENT.lambdas, cache: { memoryMb: 1024, timeoutSeconds: 15, reservedConcurrency: 200 } },
      api: { ...IAM_ADMIN_DEPLOYMENT.api, throttling: { rateLimit: 2_000, burstLimit: 4_000 } },
    },
  },
};

/** Validated configuration of one environment. Throws a message naming the bad field and value. */
export function environment(name: string): EnvironmentConfig {
  const env = (ENVIRONMENTS as Record<string, EnvironmentConfig | undefined>)[name];
  if (!env) {
    throw new Error(`unknown environment "${name}": expected one of ${Object.keys(ENVIRONMENTS).join(', ')}`);
  }
  return validateEnvironment(env);
}
