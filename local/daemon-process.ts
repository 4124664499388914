/**
 * A long-running local binary (Prometheus, Alertmanager) started for the monitoring stack: spawned
 * with its output kept for error messages, ready when its HTTP readiness URL answers 200, stopped
 * with SIGTERM (SIGKILL after a grace period), and killed if this process exits first.
 */
import { spawn } from 'node:child_process';
import { killOnExit } from './child-processes';

export interface DaemonProcess {
  readonly name: string;
  /** The last 4,000 characters it printed. */
  output(): string;
  stop(): Promise<void>;
}


const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startDaemon(opts: {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** Polled until it answers 200. */
  readonly readyUrl: string;
  /** What to tell the user when the binary is missing. */
  readonly installHint: string;
  /** @default 30000 (generous: a busy machine) */
  readonly readyTimeoutMs?: number;
}): Promise<DaemonProcess> {
  const child = spawn(opts.binary, [...opts.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let output = '';
  const collect = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4000); };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let failure: Error | undefined;
  child.once('error', (e: NodeJS.ErrnoException) => {
    failure = e.code === 'ENOENT' ? new Error(`${opts.binary} not found; ${opts.installHint}`) : e;
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(`${opts.name} exited (code ${code}, signal ${signal}): ${output.trim().slice(-1500)}`);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (failure) throw failure;
    const ready = await fetch(opts.readyUrl, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} was not ready at ${opts.readyUrl} within ${opts.readyTimeoutMs ?? 30_000} ms: ${output.trim().slice(-1500)}`);
    }
    await sleep(100);
  }
  return { name: opts.name, output: () => output, stop };
}
