/**
 * `npm run local:upstash`: a real redis-server on a free port (or `REDIS_URL`) behind the local
 * Upstash-compatible REST server; prints the environment lines the client reads and stops both on
 * SIGINT/SIGTERM. `PORT` sets the REST port (default: a free one), `UPSTASH_DB` the logical database.
 * `--maxmemory <size> [--eviction-policy <policy>]` makes its redis-server evict as Upstash's cache
 * database does (`./eviction.ts`); without them it never evicts, like the guardrails database.
 */
import { evictionFromArgs } from './eviction';
import { startRedisServer, type RedisProcess } from './redis-process';
import { startUpstashServer } from './upstash-server';

function intFromEnv(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be an integer between 0 and ${max}, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const port = intFromEnv('PORT', 0, 65535);
  const db = intFromEnv('UPSTASH_DB', 0, 1_000_000);
  const eviction = evictionFromArgs(process.argv.slice(2));
  let redisProcess: RedisProcess | undefined;
  let redisUrl = process.env.REDIS_URL;
  if (redisUrl && eviction) throw new Error('--maxmemory configures the redis-server this command starts: unset REDIS_URL');
  if (!redisUrl) {
    redisProcess = await startRedisServer(eviction ? { maxmemory: eviction.maxmemory, evictionPolicy: eviction.policy } : {});
    redisUrl = redisProcess.url;
  }
  const server = await startUpstashServer({
    redisUrl,
    db,
    port,
    token: process.env.UPSTASH_REDIS_REST_TOKEN || undefined,
    readOnlyToken: process.env.UPSTASH_REDIS_REST_READONLY_TOKEN || undefined,
  }).catch(async (err: unknown) => {
    await redisProcess?.stop();
    throw err;
  });

  process.stdout.write([
    `UPSTASH_REDIS_REST_URL=${server.url}`,
    `UPSTASH_REDIS_REST_TOKEN=${server.token}`,
    `UPSTASH_REDIS_REST_READONLY_TOKEN=${server.readOnlyToken}`,
    `REDIS_URL=${redisUrl}${redisProcess ? '' : ' (external)'}`,
    '',
  ].join('\n'));
  if (eviction) process.stderr.write(`redis-server evicts: maxmemory ${eviction.maxmemory}, maxmemory-policy ${eviction.policy}\n`);
  process.stderr.write('local Upstash server running; Ctrl-C stops it\n');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    void (async () => {
      await server.close();
      await redisProcess?.stop();
      process.exit(0);
    })();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`local:upstash failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
