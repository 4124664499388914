import { createAuditFunction } from '../../lambdas/audit/handler';
import { createCacheFunction } from '../../lambdas/cache/handler';
import { EnvironmentVariableError, EnvironmentVariables } from '../../lambdas/shared/environment-variables';

describe('EnvironmentVariables', () => {
  it('reads unset variables as their default and valid values as given', () => {
    const vars = new EnvironmentVariables({ N: '250', R: '0.5', F: 'TRUE', Z: '0', S: 'http', U: 'https://example.com/x' });
    expect(vars.number('N', 5, { min: 0, integer: true })).toBe(250);
    expect(vars.number('MISSING', 5)).toBe(5);
    expect(vars.number('R', 0.1, { min: 0, max: 1 })).toBe(0.5);
    expect(vars.flag('F')).toBe(true);
    expect(vars.flag('Z', true)).toBe(false);
    expect(vars.flag('MISSING', true)).toBe(true);
    expect(vars.oneOf('S', ['https', 'http'] as const, 'https')).toBe('http');
    expect(vars.optionalUrl('U')).toBe('https://example.com/x');
    expect(vars.optional('MISSING')).toBeUndefined();
  });

  it.each([
    ['an empty number', { METRICS_FLUSH_INTERVAL_MS: '' }, (v: EnvironmentVariables) => v.number('METRICS_FLUSH_INTERVAL_MS', 5000, { min: 0 }), /METRICS_FLUSH_INTERVAL_MS is set but empty/],
    ['a blank flag', { METRICS_PUBLIC: '  ' }, (v: EnvironmentVariables) => v.flag('METRICS_PUBLIC'), /METRICS_PUBLIC is set but empty/],
    ['a word for a number', { MAX_INFLIGHT: 'lots' }, (v: EnvironmentVariables) => v.number('MAX_INFLIGHT', 1, { positive: true, integer: true }), /MAX_INFLIGHT must be a positive integer, got "lots"/],
    ['a rate above 1', { POPULAR_SAMPLE_RATE: '1.5' }, (v: EnvironmentVariables) => v.number('POPULAR_SAMPLE_RATE', 0.1, { min: 0, max: 1 }), /POPULAR_SAMPLE_RATE must be a number from 0 to 1, got "1.5"/],
    ['a fraction for an integer', { REQUEST_TIMEOUT_MS: '1.5' }, (v: EnvironmentVariables) => v.number('REQUEST_TIMEOUT_MS', 1, { positive: true, integer: true }), /REQUEST_TIMEOUT_MS must be a positive integer, got "1.5"/],
    ['a negative interval', { METRICS_FLUSH_INTERVAL_MS: '-1' }, (v: EnvironmentVariables) => v.number('METRICS_FLUSH_INTERVAL_MS', 5000, { min: 0, integer: true }), /METRICS_FLUSH_INTERVAL_MS must be an integer >= 0, got "-1"/],
    ['a yes for a flag', { AUDIT_DRY_RUN: 'yes' }, (v: EnvironmentVariables) => v.flag('AUDIT_DRY_RUN'), /AUDIT_DRY_RUN must be true or false, got "yes"/],
    ['an unknown choice', { UPSTASH_REST_SCHEME: 'ftp' }, (v: EnvironmentVariables) => v.oneOf('UPSTASH_REST_SCHEME', ['https', 'http'] as const, 'https'), /UPSTASH_REST_SCHEME must be https or http, got "ftp"/],
    ['a URL without a scheme', { ORIGIN_API: 'origin.example.com' }, (v: EnvironmentVariables) => v.optionalUrl('ORIGIN_API'), /ORIGIN_API must be an http\(s\) URL, got "origin.example.com"/],
    ['a missing required value', {}, (v: EnvironmentVariables) => v.required('DEVELOPER_API_SECRET_ID', 'the rotation needs it'), /DEVELOPER_API_SECRET_ID is not set: the rotation needs it/],
  ])('rejects %s with an error naming the variable', (_what, env, read, message) => {
    const vars = new EnvironmentVariables(env);
    expect(() => read(vars)).toThrow(message);
    expect(() => read(vars)).toThrow(EnvironmentVariableError);
  });
});

describe('the functions read their variables through it', () => {
  // Credentials are never reached: the variable is refused while the function is built.
  const base = { CACHE_ENV: 'dev', UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1', UPSTASH_REDIS_REST_TOKEN: 't' };

  it.each([
    ['METRICS_FLUSH_INTERVAL_MS', ''],
    ['MAX_INFLIGHT', ''],
    ['REQUEST_TIMEOUT_MS', '0'],
    ['METRICS_PUBLIC', 'yes'],
    ['ORIGIN_API', ''],
    ['UPSTASH_CACHE_SECRET_ID', ''],
  ])('the cache function refuses %s=%p', async (name, value) => {
    await expect(createCacheFunction({ env: { ...base, [name]: value } })).rejects.toThrow(new RegExp(`^${name} `));
  });

  it.each([['AUDIT_BATCH_SIZE', '0'], ['AUDIT_BUDGET_SECONDS', ''], ['CACHE_MEMORY_BUDGET_BYTES', 'lots'], ['AUDIT_DELETE_MALFORMED', 'maybe']])(
    'the audit function refuses %s=%p', async (name, value) => {
      await expect(createAuditFunction({ env: { ...base, [name]: value } })).rejects.toThrow(new RegExp(`^${name} `));
    });
});
