/**
 * The local Upstash server (`npm run local:upstash`) in a child process, so a benchmark's client
 * and the server do not share one event loop (as with the real, remote Upstash).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface UpstashProcess {
  readonly url: string;
  readonly token: string;
  stop(): Promise<void>;
}

export function startUpstashProcess(timeoutMs = 30_000): Promise<UpstashProcess> {
  const root = join(__dirname, '..');
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'local', 'start-upstash.ts')], {
    cwd: root, env: { ...process.env, PORT: '0', REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => { void stop(); reject(new Error(`local Upstash server did not start within ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`local Upstash server exited with ${code}: ${err}`)); });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /UPSTASH_REDIS_REST_URL=(\S+)/.exec(out)?.[1];
      const token = /UPSTASH_REDIS_REST_TOKEN=(\S+)/.exec(out)?.[1];
      if (url && token && /REDIS_URL=/.test(out)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ url, token, stop });
      }
    });
  });
}
