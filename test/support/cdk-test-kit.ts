/**
 * Helpers for construct and stack tests: a stack with the AWS provider (so `Testing.synth(stack,
 * true)` runs every validation), synthesized JSON as objects, IAM policy extraction, and scrubbing
 * of content hashes for snapshots. Importing this file installs the cdktn jest matchers.
 */
import { AwsProvider } from '@cdktn/provider-aws/lib/provider';
import { TerraformStack, Testing, type App, type TerraformResource } from 'cdktn';
import type {} from 'cdktn/lib/testing/adapters/jest';
import { UNSCOPED_ACTIONS } from '../../constructs/iam/policy';

Testing.setupJest();

export type Json = Record<string, unknown>;

export interface Synthesized {
  readonly text: string;
  readonly json: { resource?: Record<string, Record<string, Json>>; data?: Json; output?: Json; terraform?: Json; provider?: Json };
}

/** A stack in a testing app, with the AWS provider configured like the real stacks. */
export function awsTestStack(id = 'test'): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-central-1' });
  return { app, stack };
}

/** `Testing.synth(stack, true)`: runs the stack's validations, returns text and parsed JSON. */
export function synth(stack: TerraformStack): Synthesized {
  const text = Testing.synth(stack, true);
  return { text, json: JSON.parse(text) as Synthesized['json'] };
}

/** Instances of one resource type, keyed by logical id. */
export function resources(s: Synthesized, type: string): Record<string, Json> {
  return s.json.resource?.[type] ?? {};
}

export function onlyResource(s: Synthesized, type: string): Json {
  const all = Object.values(resources(s, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** Sorted `type × count` lines: what a construct creates, one line per resource type. */
export function inventory(s: Synthesized): string[] {
  return Object.entries(s.json.resource ?? {})
    .map(([type, items]) => `${type} x${Object.keys(items).length}`)
    .sort();
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface InlinePolicy {
  readonly name: string;
  readonly role: string;
  readonly statements: Statement[];
}

/** Every inline role policy of a synthesized stack, parsed. */
export function inlinePolicies(s: Synthesized): InlinePolicy[] {
  return Object.values(resources(s, 'aws_iam_role_policy')).map((p) => ({
    name: p.name as string,
    role: p.role as string,
    statements: (JSON.parse(p.policy as string) as { Statement: Statement[] }).Statement,
  }));
}

export const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/**
 * Least privilege, as this project defines it: no wildcard resource except for
 * `secretsmanager:GetRandomPassword`, no service-wide actions, and KMS only via Secrets Manager.
 */
export function leastPrivilegeViolations(policies: readonly InlinePolicy[]): string[] {
  const problems: string[] = [];
  for (const p of policies) {
    for (const st of p.statements) {
      const actions = asList(st.Action);
      const res = asList(st.Resource);
      for (const a of actions) if (a === '*' || a.endsWith(':*')) problems.push(`${p.name}: action ${a}`);
      if (res.some((r) => r === '*' || r.endsWith(':*:*')) && actions.some((a) => !UNSCOPED_ACTIONS.has(a))) {
        problems.push(`${p.name}: wildcard resource for ${actions.join(',')}`);
      }
      if (actions.some((a) => a.startsWith('kms:')) && !st.Condition?.StringEquals?.['kms:ViaService']) {
        problems.push(`${p.name}: kms without kms:ViaService`);
      }
    }
  }
  return problems;
}

/** Replaces content hashes (asset folders, archive names, `source_code_hash`) with stable markers. */
export function scrubHashes(text: string): string {
  return text
    .replace(/[0-9a-f]{64}/g, '<sha256-hex>')
    .replace(/"source_code_hash": "[A-Za-z0-9+/]{43}="/g, '"source_code_hash": "<sha256-base64>"');
}

/** The interpolation a resource attribute synthesizes to within its own stack, e.g. `${aws_kms_key.key.arn}`. */
export function ref(resource: TerraformResource, attribute: string): string {
  return `\${${resource.terraformResourceType}.${TerraformStack.of(resource).getLogicalId(resource)}.${attribute}}`;
}
