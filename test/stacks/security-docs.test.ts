/**
 * docs/security.md matches the synthesized Terraform: its Secrets Manager table names every secret
 * each environment creates (and no other), and "read by" lists exactly the functions whose roles can
 * read each one.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { synthesizeApp } from './synthesized-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const app = synthesizeApp();
const stackJson = (id: string): Json => JSON.parse(readFileSync(join(app.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')) as Json;

/** Rows of the "Secrets in Secrets Manager" table: secret name pattern → functions that read it. */
function documented(): Map<string, string[]> {
  const text = readFileSync(resolve(__dirname, '../../docs/security.md'), 'utf8');
  const section = text.split('## Secrets in Secrets Manager')[1].split('\n## ')[0];
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`(clarivum\/<env>\/[^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name) rows.set(name, [...(cells[3] ?? '').matchAll(/`([a-z]+)`/g)].map((m) => m[1]).sort());
  }
  return rows;
}

/** Secret name → functions whose roles can read it, from the synthesized IAM of one environment. */
function readers(env: string): Map<string, string[]> {
  const secrets = stackJson(`${env}-secrets`);
  const secretName = (id: string): string => (secrets.resource.aws_secretsmanager_secret[id].name as string).replace(`clarivum/${env}/`, 'clarivum/<env>/');
  const outputs = (secrets.output ?? {}) as Record<string, { value: string }>;
  const found = new Map<string, Set<string>>();
  for (const id of Object.keys(secrets.resource.aws_secretsmanager_secret)) found.set(secretName(id), new Set());
  for (const stack of [secrets, stackJson(`${env}-runtime`)]) {
    for (const policy of Object.values((stack.resource.aws_iam_role_policy ?? {}) as Record<string, Json>)) {
      const fn = /aws_iam_role\.([a-z]+)_role_/.exec(policy.role as string)?.[1];
      const document = JSON.parse(policy.policy as string) as Json;
      for (const st of document.Statement as Json[]) {
        if (![st.Action].flat().includes('secretsmanager:GetSecretValue')) continue;
        for (const resource of [st.Resource].flat() as string[]) {
          const local = /aws_secretsmanager_secret\.([\w-]+)\.arn/.exec(resource)?.[1];
          const remote = /outputs\.([\w-]+)\}/.exec(resource)?.[1];
          const id = local ?? (remote ? /aws_secretsmanager_secret\.([\w-]+)\.arn/.exec(outputs[remote]?.value ?? '')?.[1] : undefined);
          if (id && fn) found.get(secretName(id))!.add(fn);
        }
      }
    }
  }
  return new Map([...found].map(([name, fns]) => [name, [...fns].sort()]));
}

describe('docs/security.md secret inventory', () => {
  const docs = documented();

  it('has a row for each kind of secret', () => {
    expect(docs.size).toBeGreaterThanOrEqual(7);
  });

  it.each(['dev', 'staging', 'prod'])('%s: names exactly the secrets the secrets stack creates, with exactly the roles that read them', (env) => {
    const actual = readers(env);
    const expected = new Map([...docs].filter(([name]) => !name.includes('<shard>')));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, fns] of actual) expect([name, fns]).toEqual([name, expected.get(name)]);
  });
});
