/** Durations as operators write them (CLI options, `?window=`): `90s`, `15m`, `1h`, `7d`, or bare seconds. */
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses a duration into whole seconds; throws a message naming the bad value. */
export function parseDurationSeconds(value: string, option: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match) {
    throw new Error(`${option} must be a duration such as 90s, 15m, 1h or 7d, got "${value}"`);
  }
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  if (seconds <= 0 || !Number.isSafeInteger(seconds)) {
    throw new Error(`${option} must be a positive duration, got "${value}"`);
  }
  return seconds;
}
