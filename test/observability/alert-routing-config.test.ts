import { ENVIRONMENTS, validateEnvironment, type EnvironmentConfig } from '../../config';

function withAlerting(change: Partial<EnvironmentConfig['alerting']>): () => EnvironmentConfig {
  return () => validateEnvironment({ ...ENVIRONMENTS.prod, alerting: { ...ENVIRONMENTS.prod.alerting, ...change } });
}

describe('alerting config (observability endpoints)', () => {
  it('accepts every environment as configured', () => {
    for (const env of Object.values(ENVIRONMENTS)) expect(validateEnvironment(env).alerting.metricsTarget).toMatch(/clarivum\.example$/);
  });

  it.each<[string, Partial<EnvironmentConfig['alerting']>, RegExp]>([
    ['grafana url', { grafanaUrl: 'http://grafana.local' }, /alerting\.grafanaUrl = "http:\/\/grafana\.local": expected an https URL/],
    ['prometheus url', { prometheusUrl: 'prometheus' }, /alerting\.prometheusUrl = "prometheus"/],
    ['metrics target with a scheme', { metricsTarget: 'https://cache.example/metrics' }, /alerting\.metricsTarget = "https:\/\/cache\.example\/metrics": expected host\[:port\]/],
    ['cloudwatch role', { cloudWatchRoleArn: 'grafana-role' }, /alerting\.cloudWatchRoleArn = "grafana-role": expected an IAM role ARN/],
  ])('rejects a bad %s naming the field and value', (_what, change, message) => {
    expect(withAlerting(change)).toThrow(message);
  });

  it('accepts an optional CloudWatch role ARN and a port on the target', () => {
    expect(withAlerting({ cloudWatchRoleArn: 'arn:aws:iam::333333333333:role/grafana-cloudwatch', metricsTarget: 'cache.clarivum.example:8443' })())
      .toBeDefined();
  });
});
