/**
 * Starts and controls a real `redis-server` child process on 127.0.0.1 (no persistence), for the
 * local Upstash server, jest's global setup and the fault tests (kill / restart on the same port,
 * SIGSTOP / SIGCONT), optionally with a memory limit and an eviction policy (see `./eviction.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVICTION_POLICIES, MAXMEMORY_PATTERN, type EvictionPolicy } from './eviction';
import { killOnExit } from './child-processes';

export interface RedisProcessOptions {
  /** TCP port to listen on. @default - a free port chosen by the OS */
  readonly port?: number;
  /** Number of logical databases. @default 16 */
  readonly databases?: number;
  /** Path of the redis-server binary. @default - `REDIS_SERVER_BIN`, else `redis-server` on PATH */
  readonly binary?: string;
  /** `maxmemory` (`64mb`, `512kb`, bytes). @default - no limit (redis-server's default) */
  readonly maxmemory?: string;
  /** `maxmemory-policy`: what redis-server does at `maxmemory`. @default 'noeviction' */
  readonly evictionPolicy?: EvictionPolicy;
}

export interface RedisProcess {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Graceful stop (SIGTERM, waits for exit). Idempotent. */
  stop(): Promise<void>;
  /** Abrupt death (SIGKILL), as in a crash; the port is kept for `restart()`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (after `kill()` or `stop()`); data is gone. */
  restart(): Promise<void>;
  /** SIGSTOP: the process stops answering, connections stay open (a stalled server). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
}


const STOP_GRACE_MS = 5_000;

export const REDIS_INSTALL_HINT = 'install it with: sudo apt-get install -y redis-server';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const PORT_ATTEMPTS = 5;

export async function startRedisServer(opts: RedisProcessOptions = {}): Promise<RedisProcess> {
  const databases = opts.databases ?? 16;
  if (!Number.isInteger(databases) || databases < 1) {
    throw new Error(`databases must be a positive integer, got ${databases}`);
  }
  if (opts.maxmemory !== undefined && !MAXMEMORY_PATTERN.test(opts.maxmemory)) {
    throw new Error(`maxmemory must be a size such as 64mb, 512kb or a number of bytes, got "${opts.maxmemory}"`);
  }
  if (opts.evictionPolicy !== undefined && !EVICTION_POLICIES.includes(opts.evictionPolicy)) {
    throw new Error(`evictionPolicy must be one of ${EVICTION_POLICIES.join(', ')}, got "${String(opts.evictionPolicy)}"`);
  }
  if (opts.port !== undefined) return startOnPort(opts.port, databases, opts);
  // A free port can be taken by someone else before redis-server binds it: try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await freePort(), databases, opts);
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !/Address already in use/i.test(String(err))) throw err;
    }
  }
}

async function startOnPort(port: number, databases: number, opts: RedisProcessOptions): Promise<RedisProcess> {
  const binary = opts.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'redis-local-'));
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    mkdirSync(dir, { recursive: true });
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--databases', String(databases),
      '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no',
      '--loglevel', 'notice', '--protected-mode', 'no',
      '--maxmemory-policy', opts.evictionPolicy ?? 'noeviction',
      ...(opts.maxmemory !== undefined ? ['--maxmemory', opts.maxmemory] : []),
    ];
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    killOnExit(proc);
    let output = '';
    let markReady: () => void = () => undefined;
    // Ready when *this* process says so: a connect probe could reach another server on a reused port.
    const readyLogged = new Promise<void>((resolve) => { markReady = resolve; });
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('Ready to accept connections')) markReady();
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    const spawnError = new Promise<never>((_, reject) => {
      proc.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'ENOENT'
          ? new Error(`redis-server not found (${binary}); ${REDIS_INSTALL_HINT}`)
          : err);
      });
      proc.once('exit', (code, signal) => {
        reject(new Error(`redis-server exited early (code ${code}, signal ${signal}) on port ${port}: ${output.trim()}`));
      });
    });
    spawnError.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis-server was not ready on port ${port} within 10 s: ${output.trim()}`)), 10_000);
    });
    try {
      await Promise.race([readyLogged, spawnError, timeout]);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (!(await canConnect(port))) throw new Error(`redis-server reported ready but port ${port} refuses connections`);
    // The child must not keep a test runner alive; it is stopped explicitly (and on exit below).
    proc.unref();
    (proc.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  };

  const killChild = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.ref(); // keep the event loop alive until the exit is seen
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGCONT'); // a paused server cannot act on SIGTERM
      proc.kill(signal);
    }
    const escalate = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    await waitForExit(proc);
    clearTimeout(escalate);
  };

  await launch();

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await killChild('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => killChild('SIGKILL'),
    pause: () => { child?.kill('SIGSTOP'); },
    resume: () => { child?.kill('SIGCONT'); },
    async restart() {
      await killChild('SIGKILL');
      await launch();
    },
  };
}
