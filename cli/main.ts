/**
 * Operator CLI for the admin API: `npm run cache:invalidate|cache:version-bump|cache:bypass|cache:analyze -- ...`.
 * Reads `CACHE_ADMIN_URL` and `CACHE_ADMIN_TOKEN`; signs with SigV4 from the operator's AWS credentials
 * when the URL is an `execute-api` host or `CACHE_ADMIN_SIGV4=true` (staging and prod admin routes
 * take IAM authorization). Exit codes: 0 done, 1 failed, 2 wrong usage.
 */
import type { InvalidationOutcome } from '../lambdas/admin/invalidation-manager';
import type { HitStats } from '../lambdas/admin/hit-stats';
import { AdminApiError, AdminClient } from './admin-client';
import { renderHitRateReport } from './analyze';
import { sigV4Signer, signingRegion, wantsSigV4, type RequestSigner } from './sigv4';
import { parseCommand, USAGE, UsageError, type Command, type InvalidateTarget } from './args';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

type InvalidateAnswer = InvalidationOutcome & { ok: true; durationMs: number; logged: boolean };

const DEFAULT_IO: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one CLI invocation; resolves with the exit code (never calls `process.exit`). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = DEFAULT_IO): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}`);
    io.err('');
    io.err(USAGE[error.command ?? 'main']);
    return 2;
  }
  if (command.name === 'help') {
    io.out(USAGE[command.topic ?? 'main']);
    return 0;
  }
  const url = env.CACHE_ADMIN_URL;
  const token = env.CACHE_ADMIN_TOKEN;
  if (!url || !token) {
    io.err(`error: set ${!url ? 'CACHE_ADMIN_URL' : 'CACHE_ADMIN_TOKEN'} (the admin API base URL and its bearer token), e.g.`);
    io.err('  CACHE_ADMIN_URL=http://127.0.0.1:8787 CACHE_ADMIN_TOKEN=... npm run cache:invalidate -- --key dev:marketing:index:default');
    return 2;
  }
  try {
    const client = new AdminClient({ baseUrl: url, token, signer: signerFor(url, env) });
    await run(client, command, io);
    return 0;
  } catch (error) {
    if (error instanceof AdminApiError) {
      io.err(`error: ${error.status ? `${error.status} ${error.code}: ` : ''}${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** SigV4 for the HTTP API's IAM authorization when wanted; undefined for a plain URL (dev server). */
function signerFor(url: string, env: NodeJS.ProcessEnv): RequestSigner | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // AdminClient names the bad URL
  }
  if (!wantsSigV4(parsed, env)) return undefined;
  try {
    return sigV4Signer(signingRegion(parsed, env));
  } catch (error) {
    throw new AdminApiError(undefined, 'signing_failed', (error as Error).message);
  }
}

async function run(client: AdminClient, command: Exclude<Command, { name: 'help' }>, io: CliIo): Promise<void> {
  switch (command.name) {
    case 'invalidate':
      return invalidate(client, command.target, command.idempotencyKey, command.json, io);
    case 'version-bump': {
      const answer = await client.post<InvalidateAnswer>('/admin/invalidate', { surface: command.surface, bump: true }, { idempotencyKey: command.idempotencyKey });
      if (command.json) return io.out(JSON.stringify(answer));
      const bump = answer.bumped[0];
      io.out(`bumped ${command.surface}: generation ${bump?.generation ?? '?'} (${answer.durationMs} ms); every entry of the surface now reads as a miss`);
      return;
    }
    case 'bypass': {
      const answer = await client.post<{ surface: string; enabled: boolean; ttlSeconds: number }>('/admin/bypass', {
        surface: command.surface,
        enabled: command.enabled,
        ...(command.ttlSeconds !== undefined ? { ttlSeconds: command.ttlSeconds } : {}),
      });
      if (command.json) return io.out(JSON.stringify(answer));
      io.out(
        answer.enabled
          ? `bypass ON for ${answer.surface}: requests go to the origin for ${answer.ttlSeconds} s, then the flag expires by itself`
          : `bypass OFF for ${answer.surface}: the cache serves again`,
      );
      return;
    }
    case 'analyze': {
      const stats = await client.get<HitStats>(`/admin/status?window=${command.timeRangeSeconds}`);
      if (command.json) return io.out(JSON.stringify(stats));
      if (stats.coveredSeconds === undefined) {
        const source = 'the recorded history is shorter than that window: totals since the counters started';
        io.out(renderHitRateReport({ source, namespaces: stats.namespaces }));
        return;
      }
      const source = `fleet counters, change since ${stats.since}`;
      io.out(renderHitRateReport({ windowSeconds: command.timeRangeSeconds, source, namespaces: stats.namespaces }));
      return;
    }
  }
}

async function invalidate(client: AdminClient, target: InvalidateTarget, idempotencyKey: string | undefined, asJson: boolean, io: CliIo): Promise<void> {
  if (target.kind !== 'prefix') {
    const body = target.kind === 'keys' ? { keys: target.keys } : { event: target.event, data: target.data };
    const answer = await client.post<InvalidateAnswer>('/admin/invalidate', body, { idempotencyKey });
    if (asJson) return io.out(JSON.stringify(answer));
    const what = target.kind === 'keys' ? `${target.keys.length} key(s)` : `event ${target.event}`;
    io.out(`invalidated ${what}: deleted ${answer.deleted} key(s), bumped ${answer.bumped.length} generation(s) in ${answer.durationMs} ms`);
    if (target.kind === 'keys' && answer.deleted < target.keys.length) {
      io.out(`  ${target.keys.length - answer.deleted} key(s) held no entry (not cached, already gone, or another variant)`);
    }
    for (const bump of answer.bumped) io.out(`  bumped ${bump.key}`);
    if (answer.skipped?.length) io.out(`  skipped surfaces not configured here: ${answer.skipped.join(', ')}`);
    if (!answer.logged) io.err('warning: the invalidation was done but could not be written to the invalidation log');
    return;
  }
  // A large purge takes several requests: each deletes a bounded batch and returns a cursor.
  let cursor = '0';
  let deleted = 0;
  let requests = 0;
  for (;;) {
    const page = requests === 0 ? '' : `:${requests}`;
    const answer = await withRateLimitRetry(io, () =>
      client.post<InvalidateAnswer>(
        '/admin/invalidate',
        { prefix: target.prefix, cursor, ...(target.batchLimit ? { limit: target.batchLimit } : {}) },
        { idempotencyKey: idempotencyKey ? `${idempotencyKey}${page}` : undefined },
      ),
    );
    requests += 1;
    deleted += answer.deleted;
    if (asJson) io.out(JSON.stringify(answer));
    if (!answer.more) break;
    cursor = answer.cursor ?? '0';
    if (!asJson) io.err(`purging ${target.prefix}: ${deleted} key(s) deleted so far (${requests} request(s)), continuing...`);
  }
  if (!asJson) io.out(`purged prefix ${target.prefix}: deleted ${deleted} key(s) in ${requests} request(s)`);
}

const MAX_RATE_LIMIT_WAITS = 10;

/**
 * A long purge may run into the admin rate limit: waits as `Retry-After` says and goes on, so the
 * batches already done are not wasted. Each batch is complete before the next starts, so a retry
 * repeats nothing.
 */
async function withRateLimitRetry<T>(io: CliIo, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof AdminApiError) || error.status !== 429 || attempt >= MAX_RATE_LIMIT_WAITS) throw error;
      const seconds = Math.min(Math.max(error.retryAfterSeconds ?? 1, 1), 60);
      io.err(`rate limited by the admin API: waiting ${seconds} s`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
