/** Thrown by a handler whose run failed as a whole, after logging the report: the scheduler retries. */
export class JobFailedError extends Error {
  constructor(readonly report: unknown, message: string) {
    super(message);
    this.name = 'JobFailedError';
  }
}
