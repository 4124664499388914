/** An IAM policy statement in the shape the AWS JSON policy language uses, camelCased for TypeScript. */
export interface PolicyStatement {
  /** Statement id; letters and digits only. @default - none */
  readonly sid?: string;
  /** @default 'Allow' */
  readonly effect?: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  /** ARNs (or tokens resolving to ARNs). `*` only for actions that support no resource scoping. */
  readonly resources: readonly string[];
  /** Condition block, e.g. `{ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' } }`. */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * Actions that AWS does not scope to a resource, so `*` is their only valid resource. Everything
 * else, above all Secrets Manager and KMS, must name its resources.
 */
export const UNSCOPED_ACTIONS: ReadonlySet<string> = new Set(['secretsmanager:GetRandomPassword', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

/** Throws when a statement is empty or uses `*` where a resource could be named. */
export function validateStatement(where: string, s: PolicyStatement): void {
  if (s.actions.length === 0) throw new Error(`${where}: a policy statement needs at least one action`);
  if (s.resources.length === 0) throw new Error(`${where}: a policy statement needs at least one resource (actions ${s.actions.join(', ')})`);
  if (s.sid !== undefined && !/^[A-Za-z0-9]+$/.test(s.sid)) {
    throw new Error(`${where}: sid "${s.sid}" must be letters and digits only`);
  }
  for (const action of s.actions) {
    if (!/^[a-z0-9-]+:[A-Za-z*]+$/.test(action)) throw new Error(`${where}: action "${action}" is not service:Action`);
    if (action.endsWith(':*') || action === '*') throw new Error(`${where}: action "${action}" grants a whole service; name the actions`);
  }
  if (s.resources.includes('*')) {
    const scoped = s.actions.filter((a) => !UNSCOPED_ACTIONS.has(a));
    if (scoped.length > 0) {
      throw new Error(`${where}: resource "*" is not allowed for ${scoped.join(', ')}; name the resource ARNs`);
    }
  }
}

/** Renders statements as a policy document (JSON string; tokens inside stay tokens). */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      Action: s.actions.length === 1 ? s.actions[0] : [...s.actions],
      Resource: s.resources.length === 1 ? s.resources[0] : [...s.resources],
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}
