/**
 * Upstash's REST pub/sub: `POST /subscribe/<channel>` and `/psubscribe/<pattern>` answer a
 * `text/event-stream` of `data: subscribe,<channel>,<count>` then `data: message,<channel>,<text>`
 * (`pmessage,<pattern>,<channel>,<text>`), plain text, from a Redis connection held for the stream.
 * Note: Redis channels are server-wide, so servers on different logical databases of one
 * redis-server share channel names (on Upstash each database has its own).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Redis from 'ioredis';

export type SubscribeKind = 'subscribe' | 'psubscribe';

/** `/subscribe/<channel>` → its kind and channel (or pattern), else undefined. */
export function parseSubscribePath(pathname: string): { kind: SubscribeKind; channel: string } | undefined {
  const match = /^\/(subscribe|psubscribe)\/(.+)$/.exec(pathname);
  if (!match) return undefined;
  return { kind: match[1] as SubscribeKind, channel: decodeURIComponent(match[2]) };
}

/**
 * Streams messages until the client goes away or `stop` is called; `conn` is owned by the stream and
 * disconnected at its end. Resolves once subscribed, rejects when the subscription fails.
 */
export async function streamSubscription(
  req: IncomingMessage,
  res: ServerResponse,
  conn: Redis,
  kind: SubscribeKind,
  channel: string,
  headers: Record<string, string>,
): Promise<{ stop(): void }> {
  let ended = false;
  const stop = (): void => {
    if (ended) return;
    ended = true;
    conn.disconnect();
    if (!res.writableEnded) res.end();
  };
  const write = (line: string): void => {
    if (!ended && !res.writableEnded) res.write(`data: ${line}\n\n`);
  };
  conn.on('message', (ch: string, message: string) => write(`message,${ch},${message}`));
  conn.on('pmessage', (pattern: string, ch: string, message: string) => write(`pmessage,${pattern},${ch},${message}`));
  conn.on('end', stop);
  try {
    const count = kind === 'subscribe' ? await conn.subscribe(channel) : await conn.psubscribe(channel);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    write(`${kind},${channel},${count}`);
  } catch (err) {
    conn.disconnect();
    throw err;
  }
  req.on('close', stop);
  res.on('close', stop);
  return { stop };
}
