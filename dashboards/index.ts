import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { FUNCTION_NAMES, deploymentOf, type EnvironmentConfig } from '../config';
import { physicalNames } from '../contracts/naming';
import { cacheOverviewDashboard } from './cache-overview';
import { lambdaHealthDashboard } from './lambda-health';
import { observabilityUids } from './uids';
import { upstashUsageDashboard } from './upstash-usage';

/** Physical names of the environment's functions (`<prefix>-<env>-<function>`, contracts/naming.ts). */
export function functionNames(env: EnvironmentConfig): string[] {
  const names = physicalNames(deploymentOf(env).namePrefix, env.name);
  return FUNCTION_NAMES.map((fn) => names.functionName(fn));
}

/** Every dashboard of an environment, as Grafana JSON models. */
export function buildDashboards(env: EnvironmentConfig): Dashboard[] {
  const uids = observabilityUids(env.name);
  const prometheus = { type: 'prometheus', uid: uids.prometheus };
  const cloudwatch = { type: 'cloudwatch', uid: uids.cloudwatch };
  return [
    cacheOverviewDashboard({ uid: uids.cacheOverview, environment: env.name, prometheus }),
    upstashUsageDashboard({ uid: uids.upstashUsage, environment: env.name, prometheus }),
    lambdaHealthDashboard({ uid: uids.lambdaHealth, environment: env.name, region: env.aws.region, functionNames: functionNames(env), cloudwatch }),
  ];
}
