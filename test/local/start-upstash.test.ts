/**
 * `npm run local:upstash` (local/start-upstash.ts) as a user runs it: it prints the client's
 * environment lines, serves the real client, and stops redis-server and itself on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import IORedis from 'ioredis';
import { freePort, startRedisServer } from '../../local/redis-process';

const root = join(__dirname, '..', '..');

function start(env: Record<string, string>): { child: ChildProcess; lines: Promise<Record<string, string>> } {
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'local/start-upstash.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
  const lines = new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (/^REDIS_URL=.*$/m.test(out)) {
        resolve(Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing: ${out} ${err}`)));
  });
  return { child, lines };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('starts redis-server and the REST server on PORT, prints the env lines, stops both on SIGTERM', async () => {
  const port = await freePort();
  const { child, lines } = start({ PORT: String(port), REDIS_URL: '', UPSTASH_REDIS_REST_TOKEN: '' });
  try {
    const env = await lines;
    expect(env.UPSTASH_REDIS_REST_URL).toBe(`http://127.0.0.1:${port}`);
    expect(env.UPSTASH_REDIS_REST_TOKEN).toMatch(/^\S{20,}$/);
    expect(env.UPSTASH_REDIS_REST_READONLY_TOKEN).toMatch(/^\S{20,}$/);
    const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, enableTelemetry: false });
    expect(await redis.set('k', 'v')).toBe('OK');
    expect(await redis.get('k')).toBe('v');
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
    const probe = new IORedis(env.REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    await expect(probe.connect()).rejects.toThrow(); // its redis-server is gone too
  } finally {
    child.kill('SIGKILL');
  }
}, 30_000);

test('uses REDIS_URL when given and leaves that Redis running', async () => {
  const redis = await startRedisServer();
  const { child, lines } = start({ REDIS_URL: redis.url, UPSTASH_REDIS_REST_TOKEN: 'fixed-token-for-test', PORT: '' });
  try {
    const env = await lines;
    expect(env.UPSTASH_REDIS_REST_TOKEN).toBe('fixed-token-for-test');
    expect(env.REDIS_URL).toBe(`${redis.url} (external)`);
    const client = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: 'fixed-token-for-test', enableTelemetry: false });
    await client.set('from-cli', '1');
    child.kill('SIGINT');
    expect(await exitCode(child)).toBe(0);
    const direct = new IORedis(redis.url);
    expect(await direct.get('from-cli')).toBe('1');
    direct.disconnect();
  } finally {
    child.kill('SIGKILL');
    await redis.stop();
  }
}, 30_000);

test('a bad PORT is a clear error and a non-zero exit', async () => {
  const { child, lines } = start({ PORT: 'eighty' });
  await expect(lines).rejects.toThrow(/PORT must be an integer between 0 and 65535, got "eighty"/);
  expect(await exitCode(child)).toBe(1);
}, 30_000);
