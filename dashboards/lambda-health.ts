import { MetricsQueryBuilder, MetricEditorMode, MetricQueryType, QueryMode } from '@grafana/grafana-foundation-sdk/cloudwatch';
import { DashboardBuilder, type Dashboard, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { timeseriesOf } from './panels';
import { fixedVariable } from './variables';

/** The AWS/Lambda metrics the dashboard reads, with the statistic and unit each panel shows. */
export const LAMBDA_PANELS = [
  { metric: 'Invocations', statistic: 'Sum', unit: units.Short, description: 'Invocations per period.' },
  { metric: 'Errors', statistic: 'Sum', unit: units.Short, description: 'Invocations that ended in a function error.' },
  { metric: 'Throttles', statistic: 'Sum', unit: units.Short, description: 'Invocations refused for lack of concurrency.' },
  { metric: 'Duration', statistic: 'p99', unit: units.Milliseconds, description: 'p99 duration per function.' },
  { metric: 'Duration', statistic: 'Average', unit: units.Milliseconds, description: 'Average duration per function.' },
  { metric: 'ConcurrentExecutions', statistic: 'Maximum', unit: units.Short, description: 'Peak concurrent executions.' },
] as const;

/** Lambda health from CloudWatch: invocations, errors, throttles, duration and concurrency per function. */
export function lambdaHealthDashboard(opts: {
  uid: string; environment: string; region: string; functionNames: readonly string[]; cloudwatch: DataSourceRef;
}): Dashboard {
  const ds = opts.cloudwatch;
  const builder = new DashboardBuilder(`Lambda health (${opts.environment})`)
    .uid(opts.uid)
    .tags(['cache-platform', 'lambda', opts.environment])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .withVariable(fixedVariable('environment', 'Environment', [opts.environment]))
    .withVariable(fixedVariable('function', 'Function', opts.functionNames, true));
  for (const panel of LAMBDA_PANELS) {
    builder.withPanel(timeseriesOf({
      title: `${panel.metric} (${panel.statistic})`, description: panel.description, unit: panel.unit, ds,
      targets: [new MetricsQueryBuilder()
        .datasource(ds)
        .refId('A')
        .queryMode(QueryMode.Metrics)
        .metricQueryType(MetricQueryType.Search)
        .metricEditorMode(MetricEditorMode.Builder)
        .region(opts.region)
        .namespace('AWS/Lambda')
        .metricName(panel.metric)
        .statistic(panel.statistic)
        .dimensions({ FunctionName: '$function' })
        .matchExact(true)
        .label('${PROP("Dim.FunctionName")}')],
    }));
  }
  return builder.build();
}
