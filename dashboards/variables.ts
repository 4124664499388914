import { CustomVariableBuilder, QueryVariableBuilder, VariableRefresh, VariableSort, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { OBSERVABILITY } from '../alerts/config';

/** `$environment`, from the scrape job's target label; defaults to the stack's environment. */
export function environmentVariable(ds: DataSourceRef, current: string): QueryVariableBuilder {
  return new QueryVariableBuilder('environment')
    .label('Environment')
    .datasource(ds)
    .query(`label_values(up{job="${OBSERVABILITY.scrapeJob}"}, environment)`)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc)
    .current({ text: current, value: current });
}

/** `$surface`: cache surfaces (the `namespace` label), several or all. */
export function surfaceVariable(ds: DataSourceRef): QueryVariableBuilder {
  return new QueryVariableBuilder('surface')
    .label('Surface')
    .datasource(ds)
    .query('label_values(cache_misses_total{environment="$environment"}, namespace)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

/** A fixed list (CloudWatch has no label_values): one environment, or the function names. */
export function fixedVariable(name: string, label: string, values: readonly string[], multi = false): CustomVariableBuilder {
  const variable = new CustomVariableBuilder(name).label(label).values(values.join(','))
    .current({ text: values[0], value: values[0] });
  if (multi) variable.multi(true).includeAll(true).current({ text: 'All', value: '$__all' });
  return variable;
}
