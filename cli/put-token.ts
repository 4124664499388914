/**
 * `npm run token -- --env <env> --kind <admin|read|metrics> [--keep-previous]`: writes a fresh API
 * token (32 random bytes, 43 characters) to the kind's own secret, or the one piped on stdin
 * (`--stdin`, refused under 32 characters). With `--keep-previous` the current first token stays
 * valid beside the new one, so callers can switch over; the next run without it drops the old one.
 * Prints the new token once, for the operator to hand to its callers; logs nothing else about it.
 */
import { parseArgs } from 'node:util';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENVIRONMENT_NAMES, environment } from '../config';
import { secretNames } from '../contracts/secrets';
import type { TokenKind } from '../lambdas/guardrails/token-auth';
import { checkApiToken, generateApiToken, WeakTokenError } from '../lambdas/shared/api-tokens';
import { parseTokens } from '../lambdas/shared/secrets-manager-credentials';

const KINDS: readonly TokenKind[] = ['admin', 'read', 'metrics'];

export const USAGE = `Usage: npm run token -- --env <env> --kind <admin|read|metrics> [--keep-previous] [--stdin]

Writes a new API token to the kind's secret (clarivum/<env>/<kind>-token) and prints it once.

  --env <env>        environment: ${ENVIRONMENT_NAMES.join(', ')}
  --kind <kind>      admin (admin routes), read (reads when READ_REQUIRES_AUTH), metrics (/metrics, /debug/cache)
  --keep-previous    keep the current token valid too (switch callers over, then run again without it)
  --stdin            read the token from stdin instead of generating one (at least 32 characters)
  -h, --help         show this help

Needs secretsmanager:PutSecretValue (and GetSecretValue with --keep-previous) on the secret.
Exit codes: 0 written, 1 failed, 2 wrong usage or a token under 32 characters.`;

export interface PutTokenDeps {
  /** @default a client for the environment's region */
  readonly client?: SecretsManagerClient;
  readonly stdin?: () => Promise<string>;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

function secretIdOf(env: string, kind: TokenKind): string {
  const names = secretNames(env);
  return kind === 'admin' ? names.adminToken : kind === 'read' ? names.readToken : names.metricsToken;
}

export async function main(argv: string[], deps: PutTokenDeps = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = deps.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: { env: { type: 'string' }, kind: { type: 'string' }, 'keep-previous': { type: 'boolean' }, stdin: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    err(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (!values.env || !(ENVIRONMENT_NAMES as readonly string[]).includes(values.env)) {
    err(`error: --env must be one of ${ENVIRONMENT_NAMES.join(', ')}, got ${JSON.stringify(values.env ?? '')}\n\n${USAGE}`);
    return 2;
  }
  if (!values.kind || !(KINDS as readonly string[]).includes(values.kind)) {
    err(`error: --kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(values.kind ?? '')}\n\n${USAGE}`);
    return 2;
  }
  const kind = values.kind as TokenKind;
  const secretId = secretIdOf(values.env, kind);
  let token: string;
  try {
    token = checkApiToken(values.stdin ? (await (deps.stdin ?? readStdin)()).trim() : generateApiToken(), `--kind ${kind}`);
  } catch (error) {
    if (!(error instanceof WeakTokenError)) throw error;
    err(`error: ${error.message}`);
    return 2;
  }
  const client = deps.client ?? new SecretsManagerClient({ region: process.env.AWS_REGION ?? environment(values.env).aws.region });
  try {
    const previous = values['keep-previous'] ? await currentFirst(client, secretId) : undefined;
    const tokens = previous && previous !== token ? [token, previous] : [token];
    await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ tokens }) }));
    err(`wrote a new ${kind} token to ${secretId}${tokens.length > 1 ? ' (the previous one stays valid until the next run without --keep-previous)' : ''}; functions pick it up within 5 minutes`);
    out(token);
    return 0;
  } catch (error) {
    err(`error: could not write ${secretId}: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
}

/** The first token of AWSCURRENT, or undefined when the secret has no value yet. */
async function currentFirst(client: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  try {
    const current = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return current.SecretString ? parseTokens(current.SecretString, secretId)[0] : undefined;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
