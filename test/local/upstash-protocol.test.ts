/**
 * The wire protocol of the local Upstash server, checked with raw HTTP: base64 encoding at every
 * depth, sync tokens, status codes and error shapes, argument conversion, and the test hooks
 * (request counting, command log, injected faults).
 */
import { Redis } from '@upstash/redis';
import IORedis from 'ioredis';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

let t: TestUpstash;
let io: IORedis;

beforeAll(async () => {
  t = await startTestUpstash();
  io = new IORedis(t.redisUrl, { db: t.db });
});

afterAll(async () => {
  io?.disconnect();
  await t?.stop();
});

afterEach(() => t.server.setFault('none'));

async function call(path: string, body: unknown, opts: { base64?: boolean; token?: string; method?: string } = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${t.url}${path}`, {
    method: opts.method ?? 'POST',
    headers: {
      authorization: `Bearer ${opts.token ?? t.token}`,
      ...(opts.base64 === false ? {} : { 'Upstash-Encoding': 'base64' }),
    },
    body: opts.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** Every value anywhere in a JSON document, to check that no boolean ever appears. */
function leaves(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [value];
}

describe('encoding', () => {
  test('base64: exact bytes at every depth (all 256 byte values), integers and null untouched', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await io.set('enc:bytes', bytes);
    await io.rpush('enc:list', bytes, 'two');
    await io.hset('enc:hash', 'field', bytes);
    expect((await call('/', ['get', 'enc:bytes'])).body).toEqual({ result: bytes.toString('base64') });
    expect((await call('/', ['lrange', 'enc:list', 0, -1])).body).toEqual({ result: [bytes.toString('base64'), b64('two')] });
    expect((await call('/', ['hgetall', 'enc:hash'])).body).toEqual({ result: [b64('field'), bytes.toString('base64')] });
    expect((await call('/', ['llen', 'enc:list'])).body).toEqual({ result: 2 });
    expect((await call('/', ['get', 'enc:none'])).body).toEqual({ result: null });
    const nested = await call('/', ['eval', 'return {KEYS[1], 7, {ARGV[1], false}, true}', 1, 'k', 'deep']);
    expect(nested.body).toEqual({ result: [b64('k'), 7, [b64('deep'), null], 1] });
    expect(leaves(nested.body).every((v) => typeof v !== 'boolean')).toBe(true);
  });

  test('a top-level OK stays plain; inside arrays it is base64 like any string', async () => {
    expect((await call('/', ['set', 'enc:ok', 'v'])).body).toEqual({ result: 'OK' });
    expect((await call('/pipeline', [['set', 'enc:ok', 'v'], ['get', 'enc:ok']])).body).toEqual([{ result: 'OK' }, { result: b64('v') }]);
    expect((await call('/', ['eval', "return {redis.call('SET', KEYS[1], 'x')}", 1, 'enc:ok'])).body).toEqual({ result: [b64('OK')] });
  });

  test('errors are never base64', async () => {
    const res = await call('/', ['incr', 'enc:ok']);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'ERR value is not an integer or out of range' });
    expect((await call('/pipeline', [['incr', 'enc:ok']])).body).toEqual([{ error: 'ERR value is not an integer or out of range' }]);
  });

  test('without Upstash-Encoding strings come back as text', async () => {
    await io.set('enc:text', 'héllo');
    expect((await call('/', ['get', 'enc:text'], { base64: false })).body).toEqual({ result: 'héllo' });
  });

  test('numbers and booleans in requests become their text', async () => {
    expect((await call('/', ['set', 'enc:n', 12.5])).status).toBe(200);
    expect(await io.get('enc:n')).toBe('12.5');
    expect((await call('/', ['set', 'enc:b', true])).status).toBe(200);
    expect(await io.get('enc:b')).toBe('true');
  });
});

describe('status codes and errors', () => {
  test.each([
    ['not JSON', '/', '{nope'],
    ['an object', '/', { cmd: 'get' }],
    ['an empty command', '/', []],
    ['a nested array argument', '/', ['get', ['a']]],
    ['a null argument', '/', ['get', null]],
    ['an empty pipeline', '/pipeline', []],
    ['a pipeline of non-arrays', '/pipeline', ['get', 'a']],
    ['an empty transaction', '/multi-exec', []],
  ])('400 with {"error"} for %s', async (_what, path, body) => {
    const res = await call(path, body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(/^ERR /) });
  });

  test('405 for other methods, 404 for unknown paths', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await call('/', ['get', 'a'], { method });
      expect(res.status).toBe(405);
      expect(res.body).toEqual({ error: expect.stringMatching(/not allowed/) });
    }
    expect((await call('/nope', ['get', 'a'])).status).toBe(404);
  });

  test('connection-state and admin commands are refused, not run', async () => {
    for (const command of [['select', 1], ['multi'], ['subscribe', 'c'], ['client', 'list'], ['config', 'set', 'maxmemory', '1'], ['shutdown'], ['debug', 'sleep', 0]]) {
      const res = await call('/', command);
      expect({ command, status: res.status }).toEqual({ command, status: 400 });
      expect(res.body).toEqual({ error: expect.stringMatching(/not allowed/) });
    }
    expect(await io.config('GET', 'maxmemory')).toEqual(['maxmemory', '0']);
  });
});

describe('sync token', () => {
  test('a fresh upstash-sync-token on every response, errors included', async () => {
    const seen = new Set<string>();
    for (const body of [['ping'], ['incr', 'enc:ok'], 'bad json']) {
      for (let i = 0; i < 3; i++) {
        const token = (await call('/', body)).headers.get('upstash-sync-token');
        expect(token).toBeTruthy();
        seen.add(token as string);
      }
    }
    const unauthorized = await call('/', ['ping'], { token: 'wrong' });
    seen.add(unauthorized.headers.get('upstash-sync-token') as string);
    expect(seen.size).toBe(10);
  });

  test('the client stores it and sends it back', async () => {
    const received: string[] = [];
    const sent: string[] = [];
    const redis = new Redis({ url: t.url, token: t.token, enableTelemetry: false, enableAutoPipelining: false });
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      sent.push(String((init?.headers as Record<string, string>)['upstash-sync-token']));
      const res = await realFetch(input, init);
      received.push(String(res.headers.get('upstash-sync-token')));
      return res;
    }) as typeof fetch;
    try {
      await redis.ping();
      await redis.ping();
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(sent).toEqual(['', received[0]]);
    expect(received[0]).not.toBe(received[1]);
  });
});

describe('test hooks', () => {
  it('counts billed commands as Upstash bills them: each command of a pipeline or transaction, a script once', async () => {
    t.server.resetBilledCommands();
    expect((await call('/', ['SET', 'billed:a', '1'])).status).toBe(200);
    expect((await call('/pipeline', [['SET', 'billed:b', '2'], ['GET', 'billed:a'], ['MGET', 'billed:a', 'billed:b']])).status).toBe(200);
    expect((await call('/multi-exec', [['INCR', 'billed:c'], ['INCR', 'billed:c']])).status).toBe(200);
    expect((await call('/', ['EVAL', "redis.call('SET', KEYS[1], 'x'); return redis.call('GET', KEYS[1])", '1', 'billed:d'])).status).toBe(200);
    expect(t.server.billedCommands()).toEqual({ SET: 2, GET: 1, MGET: 1, INCR: 2, EVAL: 1 });
    t.server.resetBilledCommands();
    expect(t.server.billedCommands()).toEqual({});
  });

  test('requestCount counts HTTP requests; auto-pipelined commands share one', async () => {
    t.resetRequestCount();
    expect(t.requestCount()).toBe(0);
    await t.redis.get('count:a');
    expect(t.requestCount()).toBe(1);
    await Promise.all([t.redis.get('count:a'), t.redis.get('count:b'), t.redis.get('count:c')]);
    expect(t.requestCount()).toBe(2);
    t.server.clearCommandLog();
    await t.redis.mget('count:a', 'count:b');
    expect(t.server.commandLog().map((e) => e.commands.map((c) => c[0].toLowerCase()))).toEqual([['mget']]);
  });

  test('http500 fault: every request fails until cleared', async () => {
    t.server.setFault('http500');
    await expect(t.redis.get('fault:a')).rejects.toThrow(/injected fault/);
    await expect(t.redis.get('fault:a')).rejects.toThrow(/injected fault/);
    expect((await call('/', ['ping'])).status).toBe(500);
    t.server.setFault('none');
    expect(await t.redis.ping()).toBe('PONG');
  });

  test('garbage fault: a 200 whose body is not JSON', async () => {
    t.server.setFault('garbage');
    const res = await call('/', ['ping']);
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.body as string)).toThrow();
    await expect(t.redis.ping()).rejects.toThrow();
  });

  test('failNext fails exactly the next n requests', async () => {
    t.server.failNext(2);
    expect((await call('/', ['ping'])).status).toBe(500);
    expect((await call('/', ['ping'])).status).toBe(500);
    expect((await call('/', ['ping'])).status).toBe(200);
    expect(() => t.server.failNext(0)).toThrow(/positive integer/);
  });
});

describe('connections', () => {
  test('a blocking command does not hold up other requests', async () => {
    let unblocked = false;
    const blocked = t.redis.exec(['BLPOP', 'block:list', '5']).finally(() => { unblocked = true; });
    await new Promise((r) => setTimeout(r, 50));
    // Spread over every shared connection: one stuck behind BLPOP would wait for its 5 s timeout.
    const others = await Promise.all(Array.from({ length: 8 }, (_, i) => call('/', ['set', `block:${i}`, i])));
    expect(others.every((r) => r.status === 200)).toBe(true);
    expect(unblocked).toBe(false);
    await t.redis.rpush('block:list', 'wake');
    expect(await blocked).toEqual(['block:list', 'wake']);
  });

  test('many concurrent clients: every increment lands exactly once', async () => {
    const clients = Array.from({ length: 10 }, () => new Redis({ url: t.url, token: t.token, enableTelemetry: false }));
    await Promise.all(clients.flatMap((c) => Array.from({ length: 30 }, () => c.incr('conc:n'))));
    expect(await io.get('conc:n')).toBe('300');
  });
});

describe('pub/sub', () => {
  test('subscribe streams published messages as event-stream lines', async () => {
    const subscriber = new Redis({ url: t.url, token: t.token, enableTelemetry: false, automaticDeserialization: false });
    const sub = subscriber.subscribe<string>(['news']);
    const subscribed = new Promise<number>((resolve) => sub.on('subscribe', resolve));
    const received = new Promise<{ channel: string; message: string }>((resolve) => sub.on('message', resolve));
    expect(await subscribed).toBe(1);
    expect(await t.redis.publish('news', 'hello, world')).toBe(1);
    expect(await received).toEqual({ channel: 'news', message: 'hello, world' });
    // The client logs its own abort as an error under jest (a DOMException from another realm).
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await sub.unsubscribe();
    await new Promise((r) => setTimeout(r, 20));
    quiet.mockRestore();
  });

  test('psubscribe delivers pattern messages; a wrong token gets 401', async () => {
    const res = await fetch(`${t.url}/psubscribe/ev*`, { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: '[]' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil(/data: psubscribe,ev\*,1\n/);
    await t.redis.publish('events', 'x');
    await readUntil(/data: pmessage,ev\*,events,x\n/);
    await reader.cancel();
    const denied = await fetch(`${t.url}/subscribe/news`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '[]' });
    expect(denied.status).toBe(401);
  });
});
