/**
 * The comparison points of the engine benchmark: a counting HTTP origin, a naive cache-aside
 * reader on the same local Upstash server, and bentocache with a memory L1 and a Redis L2 (ioredis,
 * straight to redis-server: bentocache has no REST driver).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from '@upstash/redis';

export interface BenchOrigin {
  readonly url: string;
  calls(): number;
  close(): Promise<void>;
}

/** Answers every GET after `delayMs` with a ~2 KB JSON document. */
export async function startBenchOrigin(delayMs: number): Promise<BenchOrigin> {
  let calls = 0;
  const doc = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, title: `item ${i}`, tags: ['a', 'b'] })) });
  const server = createServer((req, res) => {
    calls += 1;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(doc);
    }, delayMs);
    req.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

/** Read, on a miss fetch and write: what most code does, with no stampede protection at all. */
export function naiveCacheAside(redis: Redis, originUrl: string): (key: string, path: string) => Promise<string> {
  return async (key, path) => {
    const cached = await redis.get<string>(key);
    if (cached !== null) return cached;
    const body = await (await fetch(`${originUrl}${path}`)).text();
    await redis.set(key, body, { ex: 60 });
    return body;
  };
}

export interface BentoReader {
  read(key: string, path: string): Promise<string>;
  close(): Promise<void>;
}

/** One bentocache instance (per-process stampede protection only) with a shared Redis L2. */
export async function bentocacheReader(redisPort: number, originUrl: string): Promise<BentoReader> {
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const { redisDriver } = await import('bentocache/drivers/redis');
  const bento = new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxSize: '10mb' }))
        .useL2Layer(redisDriver({ connection: { host: '127.0.0.1', port: redisPort } })),
    },
  });
  return {
    read: (key, path) => bento.getOrSet({
      key,
      ttl: '1m',
      factory: async () => (await fetch(`${originUrl}${path}`)).text(),
    }),
    close: () => bento.disconnectAll(),
  };
}
