/**
 * Keys the database evicted under its memory limit: `evicted_keys` of `INFO stats`, cumulative
 * since the server started. Read through a script because the REST client has no INFO command;
 * `pcall` keeps a database that refuses INFO in scripts from failing the audit (the gauge is
 * then not recorded).
 */
import type { Redis } from '@upstash/redis';

const INFO_STATS_SCRIPT = `local ok, info = pcall(redis.call, 'INFO', 'stats')
if not ok then return false end
return info`;

/** `evicted_keys`, or undefined when the database does not tell. */
export async function evictedKeys(redis: Pick<Redis, 'eval'>): Promise<number | undefined> {
  const info = await redis.eval(INFO_STATS_SCRIPT, [], []);
  if (typeof info !== 'string') return undefined;
  const m = /^evicted_keys:(\d+)\r?$/m.exec(info);
  return m ? Number(m[1]) : undefined;
}
