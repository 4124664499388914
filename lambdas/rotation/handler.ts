/**
 * Secrets Manager rotation function for the Upstash REST credentials secrets (one function serves
 * every such secret; the strategy and database id come from the secret's tags). See README.md.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Redis } from '@upstash/redis';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { SECRET_ID_ENV } from '../../contracts/secrets';
import { FunctionContext, type FunctionContextOptions } from '../bootstrap/function-context';
import { EnvironmentVariables } from '../shared/environment-variables';
import { functionLogger, type Logger } from '../shared/logger';
import { perContainer } from '../shared/per-container';
import { DEFAULT_UPSTASH_TIMEOUT_MS } from '../shared/upstash';
import { recordRotationOutcome, type RotationOutcome } from './rotation-metrics';
import { SecretRotator, type RotationStepResult } from './rotator';

/** See FunctionContextOptions (the rotation reads no cache database and no admin token). */
export type RotationFunctionOptions = Pick<FunctionContextOptions, 'env' | 'guardrailsCredentials' | 'secretsClient'>;

export type RotationFunction = (event: SecretsManagerRotationEvent) => Promise<void>;

/** Builds the rotator from the function's environment (see README.md, "Environment"). */
export function rotatorFromEnv(
  env: NodeJS.ProcessEnv, client: SecretsManagerClient = new SecretsManagerClient({}), logger: Logger = functionLogger('rotation'),
): SecretRotator {
  const variables = new EnvironmentVariables(env);
  return new SecretRotator({
    client,
    developerApiSecretId: variables.required(SECRET_ID_ENV.developerApi, 'the rotation function needs the Developer API secret'),
    developerApiUrl: variables.optionalUrl('UPSTASH_DEVELOPER_API_URL'),
    restScheme: variables.oneOf('UPSTASH_REST_SCHEME', ['https', 'http'] as const, 'https'),
    logger,
  });
}

/** Builds the function once per container: the rotator, and the guardrails client its outcomes go to. */
export async function createRotationFunction(opts: RotationFunctionOptions = {}): Promise<RotationFunction> {
  const ctx = new FunctionContext('rotation', opts);
  const { logger } = ctx;
  const rotator = rotatorFromEnv(ctx.env, opts.secretsClient, logger);
  // Outcomes go to the guardrails database's metrics (CacheRotationOverdue reads them) when one is
  // configured; its client is built on first use, and again after a failure.
  let guardrails: Promise<Redis> | undefined;
  const record = async (outcome: RotationOutcome): Promise<void> => {
    if (!ctx.hasDatabase('guardrails')) return;
    try {
      guardrails ??= ctx.database('guardrails', { timeoutMs: DEFAULT_UPSTASH_TIMEOUT_MS });
      await recordRotationOutcome(await guardrails, outcome);
    } catch (error) {
      guardrails = undefined;
      logger.warn('rotation metrics not recorded', { error: (error as Error).message });
    }
  };

  return async (event) => {
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
  };
}

const rotationFunction = perContainer(() => createRotationFunction());

export async function handler(event: SecretsManagerRotationEvent): Promise<void> {
  return (await rotationFunction())(event);
}
