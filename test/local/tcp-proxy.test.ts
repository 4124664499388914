/**
 * The delaying TCP proxy (`local/tcp-proxy.ts`) keeps the byte stream in order whatever the delay
 * does meanwhile: a reordered stream would misalign Redis replies with their commands (the
 * consistency checker once saw reads answered with another key's entry through it).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTcpProxy } from '../../local/tcp-proxy';

test('chunks arrive in the order they were sent while the delay changes under them', async () => {
  const received: Buffer[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => { done = resolve; });
  const count = 300;
  const sink: Server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (Buffer.concat(received).toString().split(';').length > count) done();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  const proxy = await startTcpProxy({ targetPort: (sink.address() as AddressInfo).port, delayMs: 30 });
  const client: Socket = connect({ port: proxy.port, host: '127.0.0.1' });
  client.setNoDelay(true);
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  try {
    for (let i = 0; i < count; i++) {
      proxy.setDelay([30, 0, 7, 19, 1][i % 5] as number);
      client.write(`${i};`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await all;
    const numbers = Buffer.concat(received).toString().split(';').filter(Boolean).map(Number);
    expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i));
  } finally {
    client.destroy();
    await proxy.close();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  }
});
