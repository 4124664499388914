/**
 * `npm run rotate -- --env <env> --database <cache|guardrails> [--status]`: starts a rotation of an
 * Upstash credentials secret (Secrets Manager `RotateSecret`) and follows it until the new version is
 * AWSCURRENT, or shows the rotation state. Never prints a secret value.
 */
import { parseArgs } from 'node:util';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  type DescribeSecretCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { ENVIRONMENT_NAMES, environment } from '../config';
import { DATABASE_ROLES, type DatabaseRole } from '../contracts/database-roles';
import { ROTATION_TAGS, secretNames } from '../contracts/secrets';
import { ROTATION_MAX_AGE_SECONDS } from '../contracts/thresholds';
import { parseDurationSeconds } from './duration';

/** `--status` exit code when the rotation needs attention (CI decides by it, not by the text). */
export const STATUS_NEEDS_ATTENTION = 3;
/** A scheduled rotation that has not happened this long after its date counts as overdue. */
const SCHEDULE_GRACE_MS = 86_400_000;

export const USAGE = `Usage: npm run rotate -- --env <env> --database <cache|guardrails> [--status] [--timeout 5m]

Rotates the Upstash REST credentials of one database: starts Secrets Manager's rotation
(RotateSecret) and waits until the new version is AWSCURRENT, showing each step.

  --env <env>            environment: ${ENVIRONMENT_NAMES.join(', ')}
  --database <db>        ${DATABASE_ROLES.join(' or ')}
  --status               show the last rotation, the next scheduled one and any rotation in
                         progress; starts nothing
  --timeout <duration>   how long to wait for the rotation, e.g. 90s, 5m (default 5m)
  -h, --help             show this help

AWS credentials come from the usual places (AWS_PROFILE, environment, SSO); the region is the
environment's unless AWS_REGION is set. Needs secretsmanager:DescribeSecret and RotateSecret on
the secret (GetSecretValue too, to see createSecret finish; no value is ever printed).
Exit codes: 0 done (with --status: rotation healthy), 1 failed, 2 wrong usage, 3 (--status only)
the rotation needs attention: not enabled, never seeded, unfinished, or overdue.`;

export interface RotateCliDeps {
  /** @default a client for the environment's region */
  readonly client?: SecretsManagerClient;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  /** Interval between progress polls. @default 2000 */
  readonly pollMs?: number;
  readonly now?: () => number;
}

interface Options {
  readonly env: string;
  readonly database: DatabaseRole;
  readonly status: boolean;
  readonly timeoutSeconds: number;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        env: { type: 'string' },
        database: { type: 'string' },
        status: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (!values.env) throw new UsageError('--env is required');
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(values.env)) {
    throw new UsageError(`--env must be one of ${ENVIRONMENT_NAMES.join(', ')}, got "${values.env}"`);
  }
  if (!values.database) throw new UsageError('--database is required');
  if (!(DATABASE_ROLES as readonly string[]).includes(values.database)) {
    throw new UsageError(`--database must be one of ${DATABASE_ROLES.join(', ')}, got "${values.database}"`);
  }
  let timeoutSeconds = 300;
  if (values.timeout !== undefined) {
    try {
      timeoutSeconds = parseDurationSeconds(values.timeout, '--timeout');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return { env: values.env, database: values.database as DatabaseRole, status: values.status ?? false, timeoutSeconds };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function tagOf(meta: DescribeSecretCommandOutput, key: string): string | undefined {
  return meta.Tags?.find((t) => t.Key === key)?.Value;
}

function versionWith(meta: DescribeSecretCommandOutput, stage: string): string | undefined {
  return Object.entries(meta.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(stage))?.[0];
}

function iso(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : 'never';
}

function ago(date: Date | undefined, now: number): string {
  if (!date) return '';
  const days = Math.floor((now - date.getTime()) / 86_400_000);
  return days >= 1 ? ` (${days} day${days === 1 ? '' : 's'} ago)` : ' (today)';
}

function functionName(arn: string | undefined): string | undefined {
  return arn?.split(':function:')[1]?.split(':')[0];
}

/** What AWS errors mean for an operator; the message names the secret, never a value. */
function explain(error: unknown, secretId: string, region: string): string {
  if (error instanceof ResourceNotFoundException) {
    return `secret ${secretId} not found in ${region}: deploy the environment's secrets stack first`;
  }
  const name = (error as Error).name;
  if (name === 'CredentialsProviderError') {
    return `no AWS credentials found (set AWS_PROFILE or run "aws sso login"): ${(error as Error).message}`;
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return `not allowed to use secret ${secretId}: ${(error as Error).message}`;
  }
  return `${name}: ${(error as Error).message}`;
}

export async function main(argv: string[], deps: RotateCliDeps = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = deps.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    err(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    out(USAGE);
    return 0;
  }
  const region = process.env.AWS_REGION || environment(options.env).aws.region;
  const client = deps.client ?? new SecretsManagerClient({ region });
  const secretId = secretNames(options.env)[options.database];
  const now = deps.now ?? Date.now;
  try {
    return options.status
      ? await showStatus(client, secretId, out, now)
      : await rotate(client, secretId, options.timeoutSeconds, { out, err, now, pollMs: deps.pollMs ?? 2_000 });
  } catch (error) {
    err(`error: ${explain(error, secretId, region)}`);
    return 1;
  }
}

async function showStatus(client: SecretsManagerClient, secretId: string, out: (line: string) => void, now: () => number): Promise<number> {
  const meta = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const current = versionWith(meta, 'AWSCURRENT');
  const pending = versionWith(meta, 'AWSPENDING');
  const previous = versionWith(meta, 'AWSPREVIOUS');
  const rows: [string, string][] = [
    ['Secret', meta.Name ?? secretId],
    ['ARN', meta.ARN ?? '-'],
    ['Strategy', tagOf(meta, ROTATION_TAGS.strategy) ?? `unknown (no ${ROTATION_TAGS.strategy} tag)`],
    ['Rotation', meta.RotationEnabled
      ? `enabled, schedule ${meta.RotationRules?.ScheduleExpression ?? `every ${meta.RotationRules?.AutomaticallyAfterDays} days`}`
      : 'not enabled'],
    ['Function', meta.RotationLambdaARN ?? '-'],
    ['Last rotated', `${iso(meta.LastRotatedDate)}${ago(meta.LastRotatedDate, now())}`],
    ['Next scheduled', meta.RotationEnabled ? iso(meta.NextRotationDate) : 'none (rotation not enabled)'],
    ['AWSCURRENT', current ?? 'none (secret not seeded: run a rotation)'],
    ['AWSPREVIOUS', previous ?? 'none'],
    ['In progress', pending && pending !== current ? `version ${pending} (AWSPENDING): a rotation is unfinished` : 'none'],
  ];
  const problems = statusProblems(meta, now(), Boolean(pending && pending !== current), Boolean(current));
  rows.push(['Verdict', problems.length === 0 ? 'ok' : `needs attention: ${problems.join('; ')}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) out(`${key.padEnd(width)}  ${value}`);
  return problems.length === 0 ? 0 : STATUS_NEEDS_ATTENTION;
}

/** Why the rotation of a secret needs a person; empty when it is healthy. */
function statusProblems(meta: DescribeSecretCommandOutput, now: number, unfinished: boolean, seeded: boolean): string[] {
  const problems: string[] = [];
  if (!meta.RotationEnabled) problems.push('rotation is not enabled');
  if (!seeded) problems.push('the secret was never seeded');
  if (unfinished) problems.push('a rotation is unfinished (a step failed; see the rotation function logs)');
  const last = meta.LastRotatedDate?.getTime();
  if (meta.RotationEnabled && last === undefined) problems.push('no rotation ever finished');
  if (last !== undefined && now - last > ROTATION_MAX_AGE_SECONDS * 1000) {
    problems.push(`overdue: last rotated ${Math.floor((now - last) / 86_400_000)} days ago (limit ${ROTATION_MAX_AGE_SECONDS / 86_400})`);
  }
  const next = meta.NextRotationDate?.getTime();
  if (meta.RotationEnabled && next !== undefined && now - next > SCHEDULE_GRACE_MS) {
    problems.push(`overdue: the rotation scheduled for ${iso(meta.NextRotationDate)} did not happen`);
  }
  return problems;
}

interface RotateIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly now: () => number;
  readonly pollMs: number;
}

async function rotate(client: SecretsManagerClient, secretId: string, timeoutSeconds: number, io: RotateIo): Promise<number> {
  const started = io.now();
  const before = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const strategy = tagOf(before, ROTATION_TAGS.strategy) ?? 'unknown';
  io.out(`Rotating ${before.Name ?? secretId} (strategy ${strategy})`);
  const previousCurrent = versionWith(before, 'AWSCURRENT');
  let token: string;
  try {
    const res = await client.send(new RotateSecretCommand({ SecretId: secretId }));
    token = res.VersionId ?? '';
    io.out(`  rotation started: new version ${token}`);
  } catch (error) {
    const pending = versionWith(before, 'AWSPENDING');
    if (!(error instanceof InvalidRequestException) || !/previous rotation isn't complete/i.test(error.message) || !pending) throw error;
    // Secrets Manager reattempts the unfinished rotation with its own token: follow that one.
    token = pending;
    io.out(`  a previous rotation was unfinished; Secrets Manager reattempts it: version ${token}`);
  }
  return follow(client, secretId, token, previousCurrent, timeoutSeconds, io, functionName(before.RotationLambdaARN), started);
}

async function follow(
  client: SecretsManagerClient,
  secretId: string,
  token: string,
  previousCurrent: string | undefined,
  timeoutSeconds: number,
  io: RotateIo,
  fn: string | undefined,
  started: number,
): Promise<number> {
  const deadline = started + timeoutSeconds * 1000;
  let created = false;
  for (;;) {
    const meta = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    const stages = meta.VersionIdsToStages?.[token] ?? [];
    if (!created && (stages.includes('AWSCURRENT') || (await hasPendingValue(client, secretId, token)))) {
      created = true;
      io.out('  ✓ createSecret  new credentials stored as AWSPENDING');
      io.out('  … setSecret, testSecret  running in the rotation function');
    }
    if (stages.includes('AWSCURRENT')) {
      io.out(`  ✓ finishSecret  version ${token} is AWSCURRENT${previousCurrent ? ` (version ${previousCurrent} is AWSPREVIOUS)` : ''}`);
      const seconds = ((io.now() - started) / 1000).toFixed(1);
      io.out(`Rotation finished in ${seconds} s. Last rotated ${iso(meta.LastRotatedDate)}, next scheduled ${iso(meta.NextRotationDate)}.`);
      return 0;
    }
    if (!stages.includes('AWSPENDING')) {
      io.err(`error: version ${token} is no longer AWSPENDING and did not become AWSCURRENT: the rotation was cancelled or replaced`);
      return 1;
    }
    if (io.now() >= deadline) {
      const where = fn ? `the logs of the rotation function (/aws/lambda/${fn})` : 'the rotation function logs';
      io.err(`error: rotation not finished after ${timeoutSeconds} s (${created ? 'stuck in setSecret, testSecret or finishSecret' : 'createSecret not done'}); check ${where}. ` +
        'Running this command again makes Secrets Manager reattempt it.');
      return 1;
    }
    await sleep(io.pollMs);
  }
}

/** Whether createSecret stored the new value (needs GetSecretValue; treated as no when not allowed). */
async function hasPendingValue(client: SecretsManagerClient, secretId: string, token: string): Promise<boolean> {
  try {
    await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }));
    return true;
  } catch {
    return false;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: unknown) => {
      process.stderr.write(`error: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
