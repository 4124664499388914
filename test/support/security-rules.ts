/**
 * Security rules over synthesized Terraform (`cdk.tf.json` of every stack), in the spirit of tfsec and
 * checkov: each rule reads the JSON exactly as `cdktn deploy` gets it and returns violations as
 * `<stack>: <address>: <what is wrong>`, so an empty list means the rule holds. Cross-stack references
 * (`terraform_remote_state` outputs) are followed to the stack that defines them.
 */
import { UNSCOPED_ACTIONS } from '../../constructs/iam/policy';
import { UNSEEDED_SECRET_STRING } from '../../contracts/secrets';
import { PAGERDUTY_KEY_PLACEHOLDER } from '../../stacks/observability-stack';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One synthesized stack: its id (`prod-runtime`) and its `cdk.tf.json`. */
export interface TfStack {
  readonly id: string;
  readonly json: Json;
}

export type Rule = (stacks: readonly TfStack[]) => string[];

const resourcesOf = (s: TfStack, type: string): [string, Json][] => Object.entries((s.json.resource?.[type] ?? {}) as Json);
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The `aws_kms_key` a value points at, following cross-stack outputs; undefined when it points at none. */
function kmsKeyBehind(stacks: readonly TfStack[], from: TfStack, value: unknown): { stack: TfStack; key: Json } | undefined {
  if (typeof value !== 'string') return undefined;
  const local = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(value);
  if (local) {
    const key = from.json.resource?.aws_kms_key?.[local[1]];
    return key ? { stack: from, key } : undefined;
  }
  const remote = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.([\w-]+)\}$/.exec(value);
  if (!remote) return undefined;
  const owner = stacks.find((s) => s.id === remote[1]);
  const output = owner?.json.output?.[remote[2]]?.value;
  return owner ? kmsKeyBehind(stacks, owner, output) : undefined;
}

/** Every IAM policy document Terraform gets: inline role policies, managed policies, key policies. */
function policyDocuments(s: TfStack): { address: string; kind: 'identity' | 'key'; document: Json }[] {
  const out: { address: string; kind: 'identity' | 'key'; document: Json }[] = [];
  for (const type of ['aws_iam_role_policy', 'aws_iam_policy']) {
    for (const [name, r] of resourcesOf(s, type)) out.push({ address: `${type}.${name}`, kind: 'identity', document: JSON.parse(r.policy as string) as Json });
  }
  for (const [name, r] of resourcesOf(s, 'aws_kms_key')) {
    if (typeof r.policy === 'string') out.push({ address: `aws_kms_key.${name}`, kind: 'key', document: JSON.parse(r.policy) as Json });
  }
  return out;
}

export const RULES: Readonly<Record<string, Rule>> = {
  /** No statement grants `*` or a whole service (`svc:*`), in identity or key policies. */
  'no wildcard actions': (stacks) => stacks.flatMap((s) => policyDocuments(s).flatMap(({ address, document }) =>
    asList<Json>(document.Statement).flatMap((st) => asList<string>(st.Action).filter((a) => a === '*' || a.endsWith(':*'))
      .map((a) => `${s.id}: ${address}: action "${a}"`)))),

  /**
   * Identity policies name their resources (`*` in a key policy means the key itself), except for
   * actions AWS scopes to no resource at all (X-Ray segment writes; constructs/iam/policy.ts).
   */
  'no wildcard resources': (stacks) => stacks.flatMap((s) => policyDocuments(s).filter((p) => p.kind === 'identity').flatMap(({ address, document }) =>
    asList<Json>(document.Statement).filter((st) => asList<string>(st.Resource).some((r) => r === '*' || r === 'arn:aws:*')
      && !asList<string>(st.Action).every((a) => UNSCOPED_ACTIONS.has(a)))
      .map((st) => `${s.id}: ${address}: resource "*" for ${asList<string>(st.Action).join(', ')}`))),

  /** Every secret is encrypted with a customer managed key that has an explicit key policy. */
  'secrets encrypted with a customer managed key with a key policy': (stacks) => stacks.flatMap((s) => resourcesOf(s, 'aws_secretsmanager_secret').flatMap(([name, r]) => {
    const behind = kmsKeyBehind(stacks, s, r.kms_key_id);
    if (!behind) return [`${s.id}: aws_secretsmanager_secret.${name}: not encrypted with a customer managed key (kms_key_id ${JSON.stringify(r.kms_key_id)})`];
    return typeof behind.key.policy === 'string' ? [] : [`${s.id}: aws_secretsmanager_secret.${name}: its key in ${behind.stack.id} has no explicit key policy`];
  })),

  /** Every log group is encrypted with a customer managed key that has an explicit key policy. */
  'log groups encrypted with a customer managed key with a key policy': (stacks) => stacks.flatMap((s) => resourcesOf(s, 'aws_cloudwatch_log_group').flatMap(([name, r]) => {
    const behind = kmsKeyBehind(stacks, s, r.kms_key_id);
    if (!behind) return [`${s.id}: aws_cloudwatch_log_group.${name}: not encrypted with a customer managed key (kms_key_id ${JSON.stringify(r.kms_key_id)})`];
    return typeof behind.key.policy === 'string' ? [] : [`${s.id}: aws_cloudwatch_log_group.${name}: its key in ${behind.stack.id} has no explicit key policy`];
  })),

  /**
   * No secret value in anything Terraform stores: no data source reads a secret, and every attribute
   * that names a secret holds a placeholder whose later changes Terraform ignores. (Computed
   * attributes of `upstash_redis_database` are the known exception: see docs/security.md.)
   */
  'no secret values in state': (stacks) => stacks.flatMap((s) => {
    const out: string[] = [];
    for (const type of ['aws_secretsmanager_secret_version', 'aws_ssm_parameter', 'aws_kms_secrets']) {
      for (const name of Object.keys((s.json.data?.[type] ?? {}) as Json)) out.push(`${s.id}: data.${type}.${name}: a data source stores the secret in state`);
    }
    const placeholders = new Set<unknown>([UNSEEDED_SECRET_STRING, PAGERDUTY_KEY_PLACEHOLDER]);
    const visit = (address: string, resource: Json, value: unknown, path: string[]): void => {
      if (Array.isArray(value)) value.forEach((v) => visit(address, resource, v, path));
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Json)) if (k !== 'lifecycle' && k !== 'tags') visit(address, resource, v, [...path, k]);
      } else if (/(password|token|secret_string|integration_key|api_key|private_key)$/.test(path.at(-1) ?? '') && value !== undefined) {
        const ignored = asList<string>(resource.lifecycle?.ignore_changes).some((a) => a === path[0]);
        if (!placeholders.has(value) || !ignored) out.push(`${s.id}: ${address}: ${path.join('.')} holds a value Terraform stores (not an ignored placeholder)`);
      }
    };
    for (const [type, byName] of Object.entries((s.json.resource ?? {}) as Json)) {
      for (const [name, r] of Object.entries(byName as Json)) visit(`${type}.${name}`, r as Json, r, []);
    }
    return out;
  }),

  /** Every log group and queue keeps its data for a set time. */
  'retention set everywhere': (stacks) => stacks.flatMap((s) => [
    ...resourcesOf(s, 'aws_cloudwatch_log_group').filter(([, r]) => !(Number(r.retention_in_days) > 0))
      .map(([name]) => `${s.id}: aws_cloudwatch_log_group.${name}: no retention_in_days`),
    ...resourcesOf(s, 'aws_sqs_queue').filter(([, r]) => !(Number(r.message_retention_seconds) > 0))
      .map(([name]) => `${s.id}: aws_sqs_queue.${name}: no message_retention_seconds`),
  ]),

  /** Every route of every HTTP API is throttled (a stage default covers all routes). */
  'throttling on every route': (stacks) => stacks.flatMap((s) => resourcesOf(s, 'aws_apigatewayv2_route').flatMap(([name, route]) => {
    const stage = resourcesOf(s, 'aws_apigatewayv2_stage').find(([, st]) => st.api_id === route.api_id)?.[1];
    const own = asList<Json>(stage?.route_settings).find((r) => r.route_key === route.route_key);
    const settings = own ?? stage?.default_route_settings;
    return Number(settings?.throttling_rate_limit) > 0 && Number(settings?.throttling_burst_limit) > 0
      ? [] : [`${s.id}: aws_apigatewayv2_route.${name}: ${route.route_key} is not throttled`];
  })),

  /** In staging and prod, admin routes take AWS IAM authorization. */
  'IAM authorization on admin routes in staging and prod': (stacks) => stacks.filter((s) => /^(staging|prod)-/.test(s.id)).flatMap((s) =>
    resourcesOf(s, 'aws_apigatewayv2_route').filter(([, r]) => / \/admin\//.test(r.route_key as string) && r.authorization_type !== 'AWS_IAM')
      .map(([name, r]) => `${s.id}: aws_apigatewayv2_route.${name}: ${r.route_key} has authorization ${r.authorization_type ?? 'NONE'}`)),
};
