/**
 * A TCP proxy that delays every chunk in both directions by an adjustable time, put between the local
 * Upstash server and redis-server to make Redis slow (timeouts, fail-open paths) without touching it.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxyOptions {
  /** Port of the target on 127.0.0.1 (usually redis-server). */
  readonly targetPort: number;
  /** @default '127.0.0.1' */
  readonly targetHost?: string;
  /** Delay added to each chunk, each direction, in milliseconds. @default 0 */
  readonly delayMs?: number;
}

export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (the proxy forwards bytes, so any protocol works). */
  readonly url: string;
  /** Changes the delay for chunks arriving from now on (order of bytes is always kept). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

function checkDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`delay must be a non-negative number of milliseconds, got ${ms}`);
  return ms;
}

/**
 * Forwards `from` to `to`, each chunk `delay()` ms later, never reordering chunks: one queue and one
 * timer per direction. (A timer per chunk could fire out of order when the delay changes, since
 * timers of different durations are not ordered by creation, and a reordered byte stream misaligns
 * Redis replies with their commands.)
 */
function pipeDelayed(from: Socket, to: Socket, delay: () => number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const drain = (): void => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && (queue[0] as { due: number }).due <= now) {
      const { chunk } = queue.shift() as { chunk: Buffer };
      if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, (queue[0] as { due: number }).due - now);
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ due: Math.max(Date.now() + delay(), queue.at(-1)?.due ?? 0), chunk });
    if (!timer) drain();
  });
  from.on('end', () => {
    ended = true;
    if (!timer) drain();
  });
}

export async function startTcpProxy(opts: TcpProxyOptions): Promise<TcpProxy> {
  let delayMs = checkDelay(opts.delayMs ?? 0);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ port: opts.targetPort, host: opts.targetHost ?? '127.0.0.1' });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    pipeDelayed(client, upstream, () => delayMs);
    pipeDelayed(upstream, client, () => delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    setDelay(ms) { delayMs = checkDelay(ms); },
    close() {
      return new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}
