export * from './catalog';
export { NOOP_METRICS, type MetricsRecorder } from './recorder';
export { AggregatingMetricsRecorder, type AggregatingMetricsRecorderOptions, type FlushResult, type MetricsFlushClient } from './aggregating-recorder';
export { MetricLabelError } from './labels';
export { METRICS_CONTENT_TYPE, renderMetrics, type MetricsReadClient } from './render';
