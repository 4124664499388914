/**
 * What a rotation strategy does at each Secrets Manager step. Every method must be safe to run again
 * after a crash (Secrets Manager reattempts an unfinished rotation with the same token), and nothing
 * before setSecret may touch a credential a consumer holds: the destructive change comes after the new
 * value is staged (or, for reset-password, in the same call that stages it).
 */
import type { RotationStrategy } from '../../config/types';
import type { DeveloperApiClient, UpstashDatabaseDetails } from '../shared/upstash-developer-api';
import type { UpstashSecretValue } from './secret-value';
import { isAuthError, type RestCommandRunner } from './upstash-rest';

/** Structured log lines; never pass a secret value. Powertools' `Logger` satisfies it. */
export interface RotationLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface StrategyContext {
  readonly databaseId: string;
  /** The Developer API, with the key read from its own secret (lazily, once per invocation). */
  readonly developerApi: () => Promise<DeveloperApiClient>;
  readonly rest: RestCommandRunner;
  /** REST URL of a database from its Developer API details. */
  readonly restUrl: (db: UpstashDatabaseDetails) => string;
  readonly logger: RotationLogger;
  readonly now: () => Date;
}

export interface StrategyStages {
  /** AWSCURRENT value, undefined before the first rotation seeds the secret. */
  readonly current?: UpstashSecretValue;
  /** AWSPREVIOUS value, when one exists. */
  readonly previous?: UpstashSecretValue;
}

export interface RotationStrategyHandler {
  readonly name: RotationStrategy;
  /**
   * createSecret: the new credentials to store as AWSPENDING, or undefined when they can only exist
   * after setSecret's destructive change (Upstash issues reset tokens itself).
   */
  create(stages: StrategyStages, ctx: StrategyContext): Promise<UpstashSecretValue | undefined>;
  /**
   * setSecret: make the pending credentials usable on Upstash. `pending` is what createSecret staged
   * (undefined when it staged nothing); the answer is the value to stage now when nothing was.
   */
  apply(pending: UpstashSecretValue | undefined, stages: StrategyStages, ctx: StrategyContext): Promise<UpstashSecretValue | undefined>;
  /** testSecret: prove the pending credentials work with real REST calls. */
  test(pending: UpstashSecretValue, stages: StrategyStages, ctx: StrategyContext): Promise<void>;
}

/** A key nothing writes: `EXISTS` on it proves key access without touching data. */
export const PROBE_KEY = 'rotation:probe';

/** Real REST calls with the pending tokens: the full token answers PING and reads a key; the read-only one reads. */
export async function testTokens(value: UpstashSecretValue, rest: RestCommandRunner): Promise<void> {
  const pong = await rest.run(value.url, value.token, ['PING']).catch((error: unknown) => {
    throw new Error(`the pending token was refused by ${value.url}: ${(error as Error).message}`);
  });
  if (pong !== 'PONG') throw new Error(`the pending token got an unexpected PING answer from ${value.url}`);
  await rest.run(value.url, value.token, ['EXISTS', PROBE_KEY]).catch((error: unknown) => {
    throw new Error(`the pending token cannot read keys: ${(error as Error).message}`);
  });
  await rest.run(value.url, value.readOnlyToken, ['EXISTS', PROBE_KEY]).catch((error: unknown) => {
    throw new Error(`the pending read-only token cannot read keys: ${(error as Error).message}`);
  });
}

/** Whether `token` is refused (401) at `url`; other failures propagate. */
export async function isRefused(url: string, token: string, rest: RestCommandRunner): Promise<boolean> {
  try {
    await rest.run(url, token, ['PING']);
    return false;
  } catch (error) {
    if (isAuthError(error)) return true;
    throw error;
  }
}
