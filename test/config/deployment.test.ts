import { DEFAULT_DEPLOYMENT, ENVIRONMENTS, deploymentOf, validateEnvironment, type DeploymentConfig, type EnvironmentConfig } from '../../config';

const prod = ENVIRONMENTS.prod;
const d = deploymentOf(prod);

function withDeployment(change: (d: DeploymentConfig) => DeploymentConfig): () => EnvironmentConfig {
  return () => validateEnvironment({ ...prod, deployment: change(d) });
}

const lambda = (name: keyof DeploymentConfig['lambdas'], l: Partial<DeploymentConfig['lambdas']['cache']>) =>
  (x: DeploymentConfig): DeploymentConfig => ({ ...x, lambdas: { ...x.lambdas, [name]: { ...x.lambdas[name], ...l } } });

describe('deployment config', () => {
  it('falls back to the defaults when an environment sets none', () => {
    const { deployment: _omit, ...rest } = ENVIRONMENTS.dev;
    expect(deploymentOf(rest)).toBe(DEFAULT_DEPLOYMENT);
    expect(() => validateEnvironment(rest)).not.toThrow();
  });

  it.each<[string, (x: DeploymentConfig) => DeploymentConfig, RegExp]>([
    ['name prefix', (x) => ({ ...x, namePrefix: 'Clarivum' }), /deployment\.namePrefix = "Clarivum": expected lowercase/],
    ['missing function', (x) => ({ ...x, lambdas: { ...x.lambdas, audit: undefined as never } }), /deployment\.lambdas\.audit = undefined: expected memoryMb and timeoutSeconds/],
    ['memory above 10240', lambda('cache', { memoryMb: 20_000 }), /lambdas\.cache\.memoryMb = 20000: expected an integer between 1 and 10240/],
    ['memory below 128', lambda('warmup', { memoryMb: 100 }), /lambdas\.warmup\.memoryMb = 100: expected at least 128 MB/],
    ['timeout above 900', lambda('audit', { timeoutSeconds: 1000 }), /lambdas\.audit\.timeoutSeconds = 1000: expected an integer between 1 and 900/],
    ['reserved concurrency', lambda('cache', { reservedConcurrency: 0 }), /lambdas\.cache\.reservedConcurrency = 0/],
    ['API function past the integration limit', lambda('admin', { timeoutSeconds: 30 }), /lambdas\.admin\.timeoutSeconds = 30: functions behind the HTTP API must time out within 29 s/],
    ['cache timeout not above the request timeout', lambda('cache', { timeoutSeconds: 10 }), /lambdas\.cache\.timeoutSeconds = 10: expected more than runtime\.requestTimeoutMs \(10000 ms\)/],
    ['stage rate limit', (x) => ({ ...x, api: { ...x.api, throttling: { ...x.api.throttling, rateLimit: 0 } } }), /api\.throttling\.rateLimit = 0: expected requests per second/],
    ['stage burst limit', (x) => ({ ...x, api: { ...x.api, throttling: { ...x.api.throttling, burstLimit: 6000 } } }), /api\.throttling\.burstLimit = 6000/],
    ['admin rate above the stage rate', (x) => ({ ...x, api: { ...x.api, adminThrottling: { rateLimit: 5000, burstLimit: 10 } } }), /api\.adminThrottling\.rateLimit = 5000: expected at most api\.throttling\.rateLimit \(2000\)/],
    ['admin burst', (x) => ({ ...x, api: { ...x.api, adminThrottling: { rateLimit: 1, burstLimit: -1 } } }), /api\.adminThrottling\.burstLimit = -1/],
    ['retry attempts', (x) => ({ ...x, scheduler: { ...x.scheduler, maximumRetryAttempts: 200 } }), /scheduler\.maximumRetryAttempts = 200: expected an integer between 0 and 185/],
    ['event age', (x) => ({ ...x, scheduler: { ...x.scheduler, maximumEventAgeSeconds: 30 } }), /scheduler\.maximumEventAgeSeconds = 30: expected an integer between 60 and 86400/],
    ['dead-letter retention', (x) => ({ ...x, scheduler: { ...x.scheduler, deadLetterRetentionSeconds: 1 } }), /scheduler\.deadLetterRetentionSeconds = 1: expected an integer between 60 and 1209600/],
  ])('rejects a bad %s naming the field and value', (_what, change, message) => {
    expect(withDeployment(change)).toThrow(message);
  });
});

describe('upstash regions and rotation schedule', () => {
  it.each<[string, (e: EnvironmentConfig) => EnvironmentConfig, RegExp]>([
    ['duplicate read region', (e) => ({ ...e, upstash: { ...e.upstash, readRegions: ['us-east-1', 'us-east-1'] } }), /readRegions\[1\] = "us-east-1": read regions must be unique/],
    ['rotation more often than Secrets Manager allows', (e) => ({ ...e, schedules: { ...e.schedules, rotation: 'rate(30 minutes)' } }), /schedules\.rotation = "rate\(30 minutes\)": Secrets Manager rotates at most every 4 hours/],
  ])('rejects a %s', (_what, change, message) => {
    expect(() => validateEnvironment(change(prod))).toThrow(message);
  });
});
