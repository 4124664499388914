/**
 * Stable identifiers of the Grafana objects: links, alert rules and bookmarks rely on them, so they
 * never change once deployed. Suffixed with the environment so several environments can share one
 * Grafana. Grafana UIDs are at most 40 characters.
 */
export interface ObservabilityUids {
  readonly folder: string;
  readonly prometheus: string;
  readonly cloudwatch: string;
  readonly cacheOverview: string;
  readonly upstashUsage: string;
  readonly lambdaHealth: string;
}

export function observabilityUids(environment: string): ObservabilityUids {
  return {
    folder: `cache-platform-${environment}`,
    prometheus: `cache-platform-prometheus-${environment}`,
    cloudwatch: `cache-platform-cloudwatch-${environment}`,
    cacheOverview: `cache-overview-${environment}`,
    upstashUsage: `cache-upstash-usage-${environment}`,
    lambdaHealth: `cache-lambda-health-${environment}`,
  };
}
