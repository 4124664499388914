import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { ThresholdsConfigBuilder, ThresholdsMode, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Label matchers every Prometheus panel applies: the environment and surface variables. */
export const ENV = 'environment="$environment"';
export const SURFACE = 'namespace=~"$surface"';
export const ENV_SURFACE = `${ENV},${SURFACE}`;
export const RATE_WINDOW = '$__rate_interval';

export interface PromTarget {
  readonly expr: string;
  readonly legend: string;
}

function promQuery(ds: DataSourceRef, target: PromTarget, refId: string): DataqueryBuilder {
  return new DataqueryBuilder().datasource(ds).refId(refId).expr(target.expr).legendFormat(target.legend).range();
}

function legend(): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);
}

/** A time series panel; every panel states its unit. */
export function timeseries(opts: { title: string; description: string; unit: string; ds: DataSourceRef; targets: readonly PromTarget[]; width?: number }): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(opts.title).description(opts.description).unit(opts.unit).datasource(opts.ds)
    .height(8).span(opts.width ?? 12).min(0).legend(legend());
  opts.targets.forEach((t, i) => panel.withTarget(promQuery(opts.ds, t, String.fromCharCode(65 + i))));
  return panel;
}

/** A panel fed by other queries (CloudWatch). */
export function timeseriesOf(opts: { title: string; description: string; unit: string; ds: DataSourceRef; targets: readonly Builder<Dataquery>[]; width?: number }): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(opts.title).description(opts.description).unit(opts.unit).datasource(opts.ds)
    .height(8).span(opts.width ?? 12).min(0).legend(legend());
  opts.targets.forEach((t) => panel.withTarget(t));
  return panel;
}

/** A single number with green/orange/red steps (`steps` ascending: orange from the first, red from the second). */
export function stat(opts: { title: string; description: string; unit: string; ds: DataSourceRef; target: PromTarget; steps?: readonly [number, number]; invert?: boolean; width?: number }): StatPanelBuilder {
  const panel = new StatPanelBuilder()
    .title(opts.title).description(opts.description).unit(opts.unit).datasource(opts.ds)
    .height(5).span(opts.width ?? 6)
    .withTarget(promQuery(opts.ds, opts.target, 'A').instant());
  if (opts.steps) {
    const [low, high] = opts.steps;
    const colors = opts.invert ? ['red', 'orange', 'green'] : ['green', 'orange', 'red'];
    panel.thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
      { value: null, color: colors[0] }, { value: low, color: colors[1] }, { value: high, color: colors[2] },
    ]));
  }
  return panel;
}
