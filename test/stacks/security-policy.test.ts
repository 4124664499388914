/**
 * Least privilege proven on the synthesized Terraform: every rule of test/support/security-rules.ts
 * holds on every stack of every environment, and each rule fails on a small fixture breaking it (so
 * an empty list means something).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES, type TfStack } from '../support/security-rules';
import { synthesizeApp } from './synthesized-app';

const app = synthesizeApp();
const STACKS: TfStack[] = readdirSync(join(app.outdir, 'stacks')).map((id) => ({
  id,
  json: JSON.parse(readFileSync(join(app.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')) as TfStack['json'],
}));

const policy = (statement: Record<string, unknown>): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const KEY_POLICY = policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:DescribeKey', Resource: '*' });
const fixture = (id: string, json: TfStack['json']): TfStack[] => [{ id, json }];

/** A stack breaking each rule once. */
const FAILING: Record<keyof typeof RULES, TfStack[]> = {
  'no wildcard actions': fixture('prod-runtime', { resource: { aws_iam_role_policy: { p: { policy: policy({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b' }) } } } }),
  'no wildcard resources': fixture('prod-runtime', { resource: { aws_iam_role_policy: { p: { policy: policy({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }) } } } }),
  'secrets encrypted with a customer managed key with a key policy': fixture('prod-secrets', {
    resource: { aws_kms_key: { key: {} }, aws_secretsmanager_secret: { s: { kms_key_id: '${aws_kms_key.key.arn}' }, t: { name: 'default key' } } },
  }),
  'log groups encrypted with a customer managed key with a key policy': [
    { id: 'prod-secrets', json: { resource: { aws_kms_key: { key: { policy: KEY_POLICY } } }, output: { k: { value: '${aws_kms_key.key.arn}' } } } },
    { id: 'prod-runtime', json: { resource: { aws_cloudwatch_log_group: {
      ok: { kms_key_id: '${data.terraform_remote_state.cross-stack-reference-input-prod-secrets.outputs.k}', retention_in_days: 7 },
      plain: { retention_in_days: 7 },
    } } } },
  ],
  'no secret values in state': fixture('prod-observability', {
    data: { aws_secretsmanager_secret_version: { pagerduty: { secret_id: 'x' } } },
    resource: { grafana_contact_point: { c: { pagerduty: [{ integration_key: 'real-key-in-state' }] } } },
  }),
  'retention set everywhere': fixture('prod-runtime', { resource: { aws_cloudwatch_log_group: { l: {} }, aws_sqs_queue: { q: {} } } }),
  'throttling on every route': fixture('prod-runtime', {
    resource: {
      aws_apigatewayv2_route: { r: { api_id: 'a', route_key: 'GET /x' } },
      aws_apigatewayv2_stage: { s: { api_id: 'a', default_route_settings: {} } },
    },
  }),
  'IAM authorization on admin routes in staging and prod': fixture('staging-runtime', {
    resource: { aws_apigatewayv2_route: { r: { route_key: 'POST /admin/invalidate', authorization_type: 'NONE' } } },
  }),
};

/** Secret outputs of `<env>-secrets` each function's role policies may name (cross-stack references). */
function secretsReadBy(env: string, fn: string): string[] {
  const runtime = STACKS.find((x) => x.id === `${env}-runtime`)!;
  const secrets = STACKS.find((x) => x.id === `${env}-secrets`)!;
  const outputs = (secrets.json.output ?? {}) as Record<string, { value: string }>;
  const policies = Object.entries((runtime.json.resource.aws_iam_role_policy ?? {}) as Record<string, { role: string; policy: string }>)
    .filter(([, p]) => p.role.includes(`aws_iam_role.${fn}_role_`));
  const named = policies.flatMap(([, p]) => [...p.policy.matchAll(/outputs\.([\w-]+)\}/g)].map((m) => m[1]));
  return [...new Set(named.map((o) => /aws_secretsmanager_secret\.([\w-]+)\.arn/.exec(outputs[o]?.value ?? '')?.[1]).filter((x): x is string => !!x))].sort();
}

describe('each token secret is readable only by the function that checks it', () => {
  it.each(['dev', 'staging', 'prod'])('%s: the cache function reads the read and metrics tokens, never the admin token; the admin function only the admin token', (env) => {
    const cache = secretsReadBy(env, 'cache');
    const admin = secretsReadBy(env, 'admin');
    expect(cache.some((id) => id.startsWith('read-token'))).toBe(true);
    expect(cache.some((id) => id.startsWith('metrics-token'))).toBe(true);
    expect(cache.filter((id) => id.startsWith('admin-token'))).toEqual([]);
    expect(admin.filter((id) => /token/.test(id))).toEqual([expect.stringMatching(/^admin-token/)]);
    for (const fn of ['warmup', 'audit']) expect(secretsReadBy(env, fn).filter((id) => /token/.test(id))).toEqual([]);
  });
});

describe('security policy over every cdk.tf.json', () => {
  it('covers every stack of every environment', () => {
    expect(STACKS.map((s) => s.id).sort()).toEqual(['dev', 'staging', 'prod'].flatMap((e) => ['data', 'observability', 'runtime', 'secrets'].map((s) => `${e}-${s}`)).sort());
  });

  it.each(Object.keys(RULES))('%s: holds on the synthesized app', (name) => {
    expect(RULES[name](STACKS)).toEqual([]);
  });

  it.each(Object.keys(RULES))('%s: fails on a fixture that breaks it', (name) => {
    const violations = RULES[name](FAILING[name as keyof typeof RULES]);
    expect(violations.length).toBeGreaterThan(0);
    for (const v of violations) expect(v).toMatch(/^[a-z]+-[a-z]+: [\w.-]+/);
  });
});
