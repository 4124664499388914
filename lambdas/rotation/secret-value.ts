/**
 * The JSON stored in an Upstash credentials secret. Consumers read `url`, `token` and
 * `readOnlyToken`; the rest is for the rotation function. Error messages name fields, never values.
 */
import type { RotationStrategy } from '../../config/types';

export interface AlternatingUsersState {
  readonly name: 'alternating-users';
  /** ACL user the `token` belongs to. */
  readonly user: string;
  /** ACL user the `readOnlyToken` belongs to. */
  readonly readOnlyUser: string;
}

export interface ResetPasswordState {
  readonly name: 'reset-password';
}

export type StrategyState = AlternatingUsersState | ResetPasswordState;

export interface UpstashSecretValue {
  readonly schemaVersion: 1;
  /** REST URL, e.g. `https://eu1-example-12345.upstash.io`. */
  readonly url: string;
  readonly token: string;
  readonly readOnlyToken: string;
  readonly databaseId: string;
  readonly strategy: StrategyState;
  /** ISO time the rotation that produced this value created it. */
  readonly rotatedAt: string;
}

export class SecretFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretFormatError';
  }
}

const STRATEGIES: readonly RotationStrategy[] = ['alternating-users', 'reset-password'];

export function isRotationStrategy(value: unknown): value is RotationStrategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}

function field(obj: Record<string, unknown>, name: string, where: string): string {
  const value = obj[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new SecretFormatError(`${where}: field "${name}" must be a non-empty string`);
  }
  return value;
}

/**
 * Parses a secret version. Returns `undefined` for the unseeded placeholder Terraform writes;
 * throws `SecretFormatError` naming the bad field otherwise.
 */
export function parseUpstashSecret(text: string, where: string): UpstashSecretValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretFormatError(`${where}: the secret value is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretFormatError(`${where}: the secret value must be a JSON object`);
  }
  const obj = parsed as Record<string, unknown>;
  if (obj.seeded === false) return undefined;
  if (obj.schemaVersion !== 1) throw new SecretFormatError(`${where}: unsupported schemaVersion ${JSON.stringify(obj.schemaVersion)}`);
  const strategy = obj.strategy as Record<string, unknown> | undefined;
  if (typeof strategy !== 'object' || strategy === null || !isRotationStrategy(strategy.name)) {
    throw new SecretFormatError(`${where}: field "strategy.name" must be one of ${STRATEGIES.join(', ')}`);
  }
  const state: StrategyState =
    strategy.name === 'alternating-users'
      ? { name: 'alternating-users', user: field(strategy, 'user', where), readOnlyUser: field(strategy, 'readOnlyUser', where) }
      : { name: 'reset-password' };
  return {
    schemaVersion: 1,
    url: field(obj, 'url', where),
    token: field(obj, 'token', where),
    readOnlyToken: field(obj, 'readOnlyToken', where),
    databaseId: field(obj, 'databaseId', where),
    strategy: state,
    rotatedAt: field(obj, 'rotatedAt', where),
  };
}

export function serializeUpstashSecret(value: UpstashSecretValue): string {
  return JSON.stringify(value);
}
