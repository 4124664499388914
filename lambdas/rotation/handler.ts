/**
 * Secrets Manager rotation function for the Upstash REST credentials secrets (one function serves
 * every such secret; the strategy and database id come from the secret's tags). See README.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import type { Redis } from '@upstash/redis';
import { secretsManagerCredentialsFromEnv } from '../shared/secrets-manager-credentials';
import { createUpstashClient } from '../shared/upstash';
import { recordRotationOutcome, type RotationOutcome } from './rotation-metrics';
import { SecretRotator, type RotationStepResult } from './rotator';
import { SECRET_ID_ENV } from '../../contracts/secrets';

const logger = new Logger({ serviceName: 'upstash-rotation' });
let rotator: SecretRotator | undefined;
let guardrails: Promise<Redis | undefined> | undefined;

/** Builds the rotator from the function's environment (see README.md, "Environment"). */
export function rotatorFromEnv(env: NodeJS.ProcessEnv, client: SecretsManagerClient = new SecretsManagerClient({})): SecretRotator {
  const developerApiSecretId = env[SECRET_ID_ENV.developerApi];
  if (!developerApiSecretId) throw new Error(`${SECRET_ID_ENV.developerApi} is not set: the rotation function needs the Developer API secret`);
  const scheme = env.UPSTASH_REST_SCHEME || 'https';
  if (scheme !== 'https' && scheme !== 'http') throw new Error(`UPSTASH_REST_SCHEME must be https or http, got "${scheme}"`);
  return new SecretRotator({
    client,
    developerApiSecretId,
    developerApiUrl: env.UPSTASH_DEVELOPER_API_URL || undefined,
    restScheme: scheme,
    logger,
  });
}

/** The guardrails database, when `UPSTASH_GUARDRAILS_SECRET_ID` is set (AWSCURRENT, read fresh per container). */
function guardrailsFromEnv(env: NodeJS.ProcessEnv): Promise<Redis | undefined> {
  const source = secretsManagerCredentialsFromEnv(SECRET_ID_ENV.guardrails, env);
  return source ? createUpstashClient(source, { database: 'guardrails' }) : Promise.resolve(undefined);
}

async function record(outcome: RotationOutcome): Promise<void> {
  try {
    guardrails ??= guardrailsFromEnv(process.env);
    const redis = await guardrails;
    if (redis) await recordRotationOutcome(redis, outcome);
  } catch (error) {
    guardrails = undefined;
    logger.warn('rotation metrics not recorded', { error: (error as Error).message });
  }
}

export async function handler(event: SecretsManagerRotationEvent): Promise<void> {
  rotator ??= rotatorFromEnv(process.env);
  let result: RotationStepResult;
  try {
    result = await rotator.rotate(event);
  } catch (error) {
    // Messages name secrets, versions and fields, never values; the error fails the step.
    logger.error('rotation step failed', { step: event.Step, secretId: event.SecretId, versionId: event.ClientRequestToken, error: (error as Error).message });
    await record({ ok: false });
    throw error;
  }
  await record({ ok: true, finished: result.step === 'finishSecret', database: result.database });
}
