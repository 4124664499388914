import { ENVIRONMENTS } from '../../config/environments';
import type { EnvironmentConfig } from '../../config/types';
import { ADMIN_BUCKET, ADMIN_RATE_LIMIT_POLICY, policiesForEnvironment } from '../../lambdas/guardrails/rate-limit-policies';
import { redisCompatibleScript, rewriteScriptCommand } from '../../local/upstash-scripts';
import { createHash } from 'node:crypto';

describe('policiesForEnvironment', () => {
  it('has one bucket per surface plus the fail-closed admin bucket', () => {
    const policies = policiesForEnvironment(ENVIRONMENTS.prod);
    expect(Object.keys(policies).sort()).toEqual([ADMIN_BUCKET, ...ENVIRONMENTS.prod.surfaces.map((s) => s.name)].sort());
    for (const surface of ENVIRONMENTS.prod.surfaces) expect(policies[surface.name]).toBe(surface.rateLimit);
    expect(policies[ADMIN_BUCKET]).toMatchObject({ failMode: 'closed', keyBy: 'api-key' });
    expect(policies[ADMIN_BUCKET]).toBe(ADMIN_RATE_LIMIT_POLICY);
  });

  it('refuses a surface named like the admin bucket', () => {
    const env: EnvironmentConfig = { ...ENVIRONMENTS.dev, surfaces: [{ ...ENVIRONMENTS.dev.surfaces[0], name: 'admin' }] };
    expect(() => policiesForEnvironment(env)).toThrow(/surface "admin" clashes with the admin rate-limit bucket/);
  });
});

// The local Upstash server accepts @upstash/ratelimit's Upstash-only shebang flag (local/upstash-scripts.ts).
describe('Upstash-only script flags on the local server', () => {
  const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

  it('drops allow-key-locking and keeps other flags', () => {
    expect(redisCompatibleScript('#!lua flags=allow-key-locking\nreturn 1')).toBe('#!lua\nreturn 1');
    expect(redisCompatibleScript('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
    expect(redisCompatibleScript('#!lua flags=no-writes\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
    expect(redisCompatibleScript('return 1')).toBe('return 1');
  });

  it('maps EVALSHA of the original script to the script Redis ran', () => {
    const original = '#!lua flags=allow-key-locking\nreturn 42';
    const [, ran] = rewriteScriptCommand(['EVAL', original, '0']);
    expect(rewriteScriptCommand(['EVALSHA', sha1(original), '0'])).toEqual(['EVALSHA', sha1(ran), '0']);
    expect(rewriteScriptCommand(['EVALSHA', 'f'.repeat(40), '0'])).toEqual(['EVALSHA', 'f'.repeat(40), '0']);
    expect(rewriteScriptCommand(['GET', 'k'])).toEqual(['GET', 'k']);
  });
});
