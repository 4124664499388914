import type { ErrorCode } from '../../contracts/error-codes';

/** Bad input to a guardrail (an IP, a TTL, an idempotency key): handlers answer 400 with `code`. */
export class GuardrailInputError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'GuardrailInputError';
  }
}

/** A programming or configuration mistake, such as a rate-limit bucket with no policy. */
export class GuardrailConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuardrailConfigError';
  }
}
