/**
 * The one reader of a function's environment variables. Unset means the documented default; a
 * value that is set must be valid, so an empty or malformed value fails the function's start-up
 * with an error naming the variable (an empty `METRICS_FLUSH_INTERVAL_MS` would otherwise read
 * as 0 and flush the metrics on every request).
 */
export class EnvironmentVariableError extends Error {
  constructor(readonly variable: string, message: string) {
    super(message);
    this.name = 'EnvironmentVariableError';
  }
}

export interface NumberRule {
  /** Smallest allowed value (inclusive). @default - no bound */
  readonly min?: number;
  /** Largest allowed value (inclusive). @default - no bound */
  readonly max?: number;
  /** Zero is refused, for counts and durations that must be > 0. @default false */
  readonly positive?: boolean;
  /** Only whole numbers. @default false */
  readonly integer?: boolean;
}

const TRUE = ['true', '1'];
const FALSE = ['false', '0'];

function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.positive) return rule.integer ? 'a positive integer' : 'a number > 0';
  if (rule.min !== undefined) return `${kind} >= ${rule.min}`;
  if (rule.max !== undefined) return `${kind} <= ${rule.max}`;
  return kind;
}

export class EnvironmentVariables {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The value, or undefined when unset; set but blank is an error. */
  optional(name: string): string | undefined {
    const raw = this.env[name];
    if (raw === undefined) return undefined;
    if (raw.trim() === '') throw new EnvironmentVariableError(name, `${name} is set but empty: unset it for the default or give it a value`);
    return raw;
  }

  /** The value; unset or blank is an error saying what it is for. */
  required(name: string, purpose: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new EnvironmentVariableError(name, `${name} is not set: ${purpose}`);
    return value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  /** A number within `rule`, or `fallback` when unset. */
  number(name: string, fallback: number, rule: NumberRule = {}): number {
    return this.optionalNumber(name, rule) ?? fallback;
  }

  optionalNumber(name: string, rule: NumberRule = {}): number | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    const value = Number(raw.trim());
    const ok = Number.isFinite(value)
      && (!rule.integer || Number.isInteger(value))
      && (!rule.positive || value > 0)
      && (rule.min === undefined || value >= rule.min)
      && (rule.max === undefined || value <= rule.max);
    if (!ok) throw new EnvironmentVariableError(name, `${name} must be ${describeRule(rule)}, got ${JSON.stringify(raw)}`);
    return value;
  }

  /** `true`/`1` or `false`/`0` (any case), or `fallback` when unset. */
  flag(name: string, fallback = false): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = raw.trim().toLowerCase();
    if (TRUE.includes(value)) return true;
    if (FALSE.includes(value)) return false;
    throw new EnvironmentVariableError(name, `${name} must be true or false, got ${JSON.stringify(raw)}`);
  }

  /** One of `values`, or `fallback` when unset. */
  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      throw new EnvironmentVariableError(name, `${name} must be ${values.join(' or ')}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  }

  /** An absolute http(s) URL, or undefined when unset. */
  optionalUrl(name: string): string | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new EnvironmentVariableError(name, `${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
    }
    return raw;
  }
}
