/**
 * The SDK publishes its entry points only through `package.json` "exports", which this project's
 * `moduleResolution: node` does not read. These declarations point the type checker at the same
 * files Node loads at run time (`dist/<module>`); nothing else changes.
 */
declare module '@grafana/grafana-foundation-sdk/alerting' { export * from '@grafana/grafana-foundation-sdk/dist/alerting'; }
declare module '@grafana/grafana-foundation-sdk/cog' { export * from '@grafana/grafana-foundation-sdk/dist/cog'; }
declare module '@grafana/grafana-foundation-sdk/cloudwatch' { export * from '@grafana/grafana-foundation-sdk/dist/cloudwatch'; }
declare module '@grafana/grafana-foundation-sdk/common' { export * from '@grafana/grafana-foundation-sdk/dist/common'; }
declare module '@grafana/grafana-foundation-sdk/dashboard' { export * from '@grafana/grafana-foundation-sdk/dist/dashboard'; }
declare module '@grafana/grafana-foundation-sdk/expr' { export * from '@grafana/grafana-foundation-sdk/dist/expr'; }
declare module '@grafana/grafana-foundation-sdk/prometheus' { export * from '@grafana/grafana-foundation-sdk/dist/prometheus'; }
declare module '@grafana/grafana-foundation-sdk/stat' { export * from '@grafana/grafana-foundation-sdk/dist/stat'; }
declare module '@grafana/grafana-foundation-sdk/timeseries' { export * from '@grafana/grafana-foundation-sdk/dist/timeseries'; }
declare module '@grafana/grafana-foundation-sdk/gauge' { export * from '@grafana/grafana-foundation-sdk/dist/gauge'; }
declare module '@grafana/grafana-foundation-sdk/units' { export * from '@grafana/grafana-foundation-sdk/dist/units'; }
