/**
 * The real `@upstash/redis` client against the local server gives what Redis itself gives (read
 * straight through ioredis on the same database): every command runs once through the client on a
 * `u:` key and once through ioredis on an `i:` key, and the answers must be equal.
 */
import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import IORedis from 'ioredis';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

let t: TestUpstash;
let io: IORedis;
let redis: Redis;

beforeAll(async () => {
  t = await startTestUpstash();
  redis = t.redis;
  io = new IORedis(t.redisUrl, { db: t.db });
});

afterAll(async () => {
  io?.disconnect();
  await t?.stop();
});

type Arg = string | number;

/** Runs the same command through the client (key `u:…`) and straight on Redis (key `i:…`). */
interface Step {
  readonly upstash: (r: Redis, key: string) => Promise<unknown>;
  readonly redis: (key: string) => Arg[];
}

async function compare(name: string, steps: readonly Step[], sortArrays = false): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (const [i, step] of steps.entries()) {
    const viaClient = await step.upstash(redis, `u:${name}`).then((v) => v, (e: Error) => `error: ${e.message}`);
    const [cmd, ...args] = step.redis(`i:${name}`);
    const direct = await io.call(String(cmd).toUpperCase(), ...args).then((v) => v, (e: Error) => `error: ${e.message}`);
    const norm = (v: unknown): unknown => {
      if (typeof v === 'string') return v.replace(/^error: (Command failed: )?(.*?)(, command was: .*)?$/s, 'error: $2').replace(/[ui]:/g, 'K:');
      if (Array.isArray(v)) {
        const mapped = v.map(norm);
        return sortArrays ? [...mapped].sort() : mapped;
      }
      return v;
    };
    expect({ step: i, value: norm(viaClient) }).toEqual({ step: i, value: norm(direct) });
    seen.push(viaClient);
  }
  return seen;
}

test('strings: set/get/append/incr/mget/getrange/setnx/getdel', async () => {
  const seen = await compare('str', [
    { upstash: (r, k) => r.set(k, 'hello'), redis: (k) => ['set', k, 'hello'] },
    { upstash: (r, k) => r.get(k), redis: (k) => ['get', k] },
    { upstash: (r, k) => r.append(k, ' world'), redis: (k) => ['append', k, ' world'] },
    { upstash: (r, k) => r.getrange(k, 0, 4), redis: (k) => ['getrange', k, 0, 4] },
    { upstash: (r, k) => r.strlen(k), redis: (k) => ['strlen', k] },
    { upstash: (r, k) => r.setnx(k, 'other'), redis: (k) => ['setnx', k, 'other'] },
    { upstash: (r, k) => r.getdel(k), redis: (k) => ['getdel', k] },
    { upstash: (r, k) => r.get(k), redis: (k) => ['get', k] },
    { upstash: (r, k) => r.incr(`${k}:n`), redis: (k) => ['incr', `${k}:n`] },
    { upstash: (r, k) => r.incrby(`${k}:n`, 41), redis: (k) => ['incrby', `${k}:n`, 41] },
    { upstash: (r, k) => r.incrbyfloat(`${k}:n`, 0.5), redis: (k) => ['incrbyfloat', `${k}:n`, 0.5] },
    { upstash: (r, k) => r.decr(`${k}:m`), redis: (k) => ['decr', `${k}:m`] },
    { upstash: (r, k) => r.mset({ [`${k}:a`]: '1', [`${k}:b`]: '2' }), redis: (k) => ['mset', `${k}:a`, '1', `${k}:b`, '2'] },
    { upstash: (r, k) => r.mget(`${k}:a`, `${k}:missing`, `${k}:b`), redis: (k) => ['mget', `${k}:a`, `${k}:missing`, `${k}:b`] },
    { upstash: (r, k) => r.set(`${k}:big`, 'x'.repeat(100_000)), redis: (k) => ['set', `${k}:big`, 'x'.repeat(100_000)] },
    { upstash: (r, k) => r.get(`${k}:big`), redis: (k) => ['get', `${k}:big`] },
  ]);
  expect(seen[1]).toBe('hello');
  expect(seen[7]).toBeNull();
  expect(seen[13]).toEqual(['1', null, '2']);
});

test('unicode text round-trips unchanged', async () => {
  const text = 'zoë 😀 日本語 \u0000 \n "quoted" \\ end';
  await compare('uni', [
    { upstash: (r, k) => r.set(k, text), redis: (k) => ['set', k, text] },
    { upstash: (r, k) => r.get(k), redis: (k) => ['get', k] },
    { upstash: (r, k) => r.hset(k + 'h', { [text]: text }), redis: (k) => ['hset', k + 'h', text, text] },
    { upstash: (r, k) => r.hgetall(k + 'h'), redis: (k) => ['hgetall', k + 'h'] },
  ]);
  expect(await redis.get('u:uni')).toBe(text);
  expect((await io.getBuffer('u:uni'))?.equals(Buffer.from(text, 'utf8'))).toBe(true);
});

test('binary safe: all 256 code points written by the client are stored as their UTF-8 bytes', async () => {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  await redis.set('bin:chars', all);
  expect(await redis.get('bin:chars')).toBe(all);
  const stored = await io.getBuffer('bin:chars');
  expect(stored?.equals(Buffer.from(all, 'utf8'))).toBe(true);
  await redis.rpush('bin:list', all, 'plain');
  expect(await redis.lrange('bin:list', 0, -1)).toEqual([all, 'plain']);
});

test('binary safe: invalid UTF-8 stored by Redis reaches the client decoded exactly as the client decodes bytes', async () => {
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await io.set('bin:bytes', bytes);
  await io.rpush('bin:byteslist', bytes, Buffer.from([0xff, 0xfe, 0x00]));
  const expected = new TextDecoder().decode(bytes);
  expect(await redis.get('bin:bytes')).toBe(expected);
  expect(await redis.lrange('bin:byteslist', 0, -1)).toEqual([expected, new TextDecoder().decode(Buffer.from([0xff, 0xfe, 0x00]))]);
  expect(await redis.strlen('bin:bytes')).toBe(256);
});

test('hashes', async () => {
  await compare('hash', [
    { upstash: (r, k) => r.hset(k, { a: '1', b: 'two', c: '3' }), redis: (k) => ['hset', k, 'a', '1', 'b', 'two', 'c', '3'] },
    { upstash: (r, k) => r.hget(k, 'b'), redis: (k) => ['hget', k, 'b'] },
    { upstash: (r, k) => r.hget(k, 'zz'), redis: (k) => ['hget', k, 'zz'] },
    { upstash: (r, k) => r.hmget(k, 'a', 'zz', 'c'), redis: (k) => ['hmget', k, 'a', 'zz', 'c'] },
    { upstash: (r, k) => r.hincrby(k, 'a', 10), redis: (k) => ['hincrby', k, 'a', 10] },
    { upstash: (r, k) => r.hdel(k, 'c', 'nope'), redis: (k) => ['hdel', k, 'c', 'nope'] },
    { upstash: (r, k) => r.hexists(k, 'a'), redis: (k) => ['hexists', k, 'a'] },
    { upstash: (r, k) => r.hlen(k), redis: (k) => ['hlen', k] },
    { upstash: (r, k) => r.hkeys(k), redis: (k) => ['hkeys', k] },
    { upstash: (r, k) => r.hvals(k), redis: (k) => ['hvals', k] },
    { upstash: (r, k) => r.hgetall(k), redis: (k) => ['hgetall', k] },
    { upstash: (r, k) => r.hgetall(`${k}:missing`), redis: (k) => ['hgetall', `${k}:missing`] },
  ]);
});

test('sets', async () => {
  await compare('set', [
    { upstash: (r, k) => r.sadd(k, 'a', 'b', 'c'), redis: (k) => ['sadd', k, 'a', 'b', 'c'] },
    { upstash: (r, k) => r.sadd(k, 'a'), redis: (k) => ['sadd', k, 'a'] },
    { upstash: (r, k) => r.sismember(k, 'b'), redis: (k) => ['sismember', k, 'b'] },
    { upstash: (r, k) => r.smismember(k, ['a', 'x']), redis: (k) => ['smismember', k, 'a', 'x'] },
    { upstash: (r, k) => r.scard(k), redis: (k) => ['scard', k] },
    { upstash: (r, k) => r.srem(k, 'c'), redis: (k) => ['srem', k, 'c'] },
    { upstash: (r, k) => r.smembers(k), redis: (k) => ['smembers', k] },
    { upstash: (r, k) => r.sadd(`${k}:2`, 'b', 'z'), redis: (k) => ['sadd', `${k}:2`, 'b', 'z'] },
    { upstash: (r, k) => r.sinter(k, `${k}:2`), redis: (k) => ['sinter', k, `${k}:2`] },
    { upstash: (r, k) => r.sunion(k, `${k}:2`), redis: (k) => ['sunion', k, `${k}:2`] },
  ], true);
});

test('sorted sets', async () => {
  await compare('zset', [
    { upstash: (r, k) => r.zadd(k, { score: 1, member: 'one' }, { score: 2.5, member: 'two' }, { score: -3, member: 'neg' }), redis: (k) => ['zadd', k, 1, 'one', 2.5, 'two', -3, 'neg'] },
    { upstash: (r, k) => r.zadd(k, { xx: true }, { score: 5, member: 'one' }), redis: (k) => ['zadd', k, 'XX', 5, 'one'] },
    { upstash: (r, k) => r.zscore(k, 'two'), redis: (k) => ['zscore', k, 'two'] },
    { upstash: (r, k) => r.zincrby(k, 0.25, 'two'), redis: (k) => ['zincrby', k, 0.25, 'two'] },
    { upstash: (r, k) => r.zrank(k, 'one'), redis: (k) => ['zrank', k, 'one'] },
    { upstash: (r, k) => r.zrange(k, 0, -1), redis: (k) => ['zrange', k, 0, -1] },
    { upstash: (r, k) => r.zrange(k, 0, -1, { withScores: true }), redis: (k) => ['zrange', k, 0, -1, 'WITHSCORES'] },
    { upstash: (r, k) => r.zrange(k, '-inf', 3, { byScore: true }), redis: (k) => ['zrange', k, '-inf', 3, 'BYSCORE'] },
    { upstash: (r, k) => r.zcount(k, 0, '+inf'), redis: (k) => ['zcount', k, 0, '+inf'] },
    { upstash: (r, k) => r.zrem(k, 'neg'), redis: (k) => ['zrem', k, 'neg'] },
    { upstash: (r, k) => r.zpopmin(k, 1), redis: (k) => ['zpopmin', k, 1] },
    { upstash: (r, k) => r.zcard(k), redis: (k) => ['zcard', k] },
  ]);
});

test('lists', async () => {
  await compare('list', [
    { upstash: (r, k) => r.rpush(k, 'a', 'b', 'c'), redis: (k) => ['rpush', k, 'a', 'b', 'c'] },
    { upstash: (r, k) => r.lpush(k, 'z'), redis: (k) => ['lpush', k, 'z'] },
    { upstash: (r, k) => r.lrange(k, 0, -1), redis: (k) => ['lrange', k, 0, -1] },
    { upstash: (r, k) => r.lindex(k, 1), redis: (k) => ['lindex', k, 1] },
    { upstash: (r, k) => r.llen(k), redis: (k) => ['llen', k] },
    { upstash: (r, k) => r.lpop(k), redis: (k) => ['lpop', k] },
    { upstash: (r, k) => r.rpop(k, 2), redis: (k) => ['rpop', k, 2] },
    { upstash: (r, k) => r.lpos(k, 'a'), redis: (k) => ['lpos', k, 'a'] },
    { upstash: (r, k) => r.ltrim(k, 0, 0), redis: (k) => ['ltrim', k, 0, 0] },
    { upstash: (r, k) => r.lrange(k, 0, -1), redis: (k) => ['lrange', k, 0, -1] },
    { upstash: (r, k) => r.lpop(`${k}:empty`), redis: (k) => ['lpop', `${k}:empty`] },
  ]);
});

test('expiry: EX, PX, TTL, PERSIST, and keys really expire', async () => {
  await compare('exp', [
    { upstash: (r, k) => r.set(k, 'v', { ex: 100 }), redis: (k) => ['set', k, 'v', 'EX', 100] },
    { upstash: (r, k) => r.ttl(k), redis: (k) => ['ttl', k] },
    { upstash: (r, k) => r.persist(k), redis: (k) => ['persist', k] },
    { upstash: (r, k) => r.ttl(k), redis: (k) => ['ttl', k] },
    { upstash: (r, k) => r.expire(k, 50), redis: (k) => ['expire', k, 50] },
    { upstash: (r, k) => r.ttl(`${k}:none`), redis: (k) => ['ttl', `${k}:none`] },
    { upstash: (r, k) => r.set(k, 'v', { nx: true, ex: 5 }), redis: (k) => ['set', k, 'v', 'NX', 'EX', 5] },
  ]);
  await redis.set('exp:short', 'v', { px: 30 });
  expect(await redis.pttl('exp:short')).toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 80));
  expect(await redis.get('exp:short')).toBeNull();
  expect(await redis.exists('exp:short')).toBe(0);
});

test('SCAN walks every key with MATCH and COUNT, like Redis does', async () => {
  const keys = Array.from({ length: 120 }, (_, i) => `scan:${i}`);
  await io.mset(...keys.flatMap((k) => [k, 'v']));
  const found = new Set<string>();
  let cursor: string | number = '0';
  let rounds = 0;
  do {
    const [next, batch]: [string, string[]] = await redis.scan(cursor, { match: 'scan:*', count: 25 });
    batch.forEach((k) => found.add(k));
    cursor = next;
    rounds += 1;
  } while (String(cursor) !== '0' && rounds < 100);
  expect([...found].sort()).toEqual([...keys].sort());
  expect(rounds).toBeGreaterThan(1);
  const [, direct] = await io.scan('0', 'MATCH', 'scan:1*', 'COUNT', 1000);
  const [, viaClient] = await redis.scan(0, { match: 'scan:1*', count: 1000 });
  expect([...viaClient].sort()).toEqual([...direct].sort());
});

test('EVAL, EVALSHA and NOSCRIPT', async () => {
  const script = 'redis.call("SET", KEYS[1], ARGV[1]); return {redis.call("GET", KEYS[1]), 42, {ARGV[2]}, false}';
  const viaClient = await redis.eval(script, ['lua:u'], ['val', 'nested']);
  const direct = await io.call('EVAL', script, 1, 'lua:i', 'val', 'nested');
  expect(viaClient).toEqual(direct);
  expect(viaClient).toEqual(['val', 42, ['nested'], null]);
  const sha = await redis.scriptLoad(script);
  expect(sha).toBe(await io.call('SCRIPT', 'LOAD', script));
  expect(await redis.evalsha(sha, ['lua:u2'], ['x', 'y'])).toEqual(['x', 42, ['y'], null]);
  expect(await redis.scriptExists(sha, '0'.repeat(40))).toEqual([1, 0]);
  await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT No matching script/);
  await expect(redis.eval('return redis.call("INCR", KEYS[1])', ['lua:u'], [])).rejects.toThrow(/not an integer/);
  await expect(redis.eval('this is not lua', [], [])).rejects.toThrow(/ERR/);
});

test('Upstash-only script flags (allow-key-locking) are accepted, and SHAs are those of the script as sent', async () => {
  const script = '#!lua flags=allow-key-locking\nreturn redis.call("INCR", KEYS[1])';
  const expectedSha = createHash('sha1').update(script).digest('hex');
  expect(await redis.eval(script, ['flag:n'], [])).toBe(1);
  expect(await redis.scriptLoad(script)).toBe(expectedSha);
  expect(await redis.evalsha(expectedSha, ['flag:n'], [])).toBe(2);
});

test('pipelines with auto-pipelining batch commands and keep their order', async () => {
  t.resetRequestCount();
  const results = await Promise.all([
    redis.set('pipe:a', '1'),
    redis.incr('pipe:a'),
    redis.get('pipe:a'),
    redis.get('pipe:missing'),
  ]);
  expect(results).toEqual(['OK', 2, '2', null]);
  expect(t.requestCount()).toBeLessThan(4);
  expect(t.server.commandLog().some((entry) => entry.endpoint === '/pipeline' && entry.commands.length >= 2)).toBe(true);

  const p = redis.pipeline();
  p.set('pipe:b', 'x');
  p.incr('pipe:b'); // fails: not an integer; the rest still runs (pipelines are not atomic)
  p.get('pipe:b');
  const outcome = await p.exec({ keepErrors: true });
  expect(outcome[0]).toEqual({ result: 'OK', error: undefined });
  expect(outcome[1].error).toMatch(/not an integer/);
  expect(outcome[2]).toEqual({ result: 'x', error: undefined });
  await expect(redis.pipeline().set('pipe:c', '1').incr('pipe:b').exec()).rejects.toThrow(/not an integer/);
  expect(await io.get('pipe:c')).toBe('1');
});

test('multi-exec is atomic and reports a failing command in place', async () => {
  const m = redis.multi();
  m.set('tx:a', '1');
  m.incr('tx:a');
  m.hset('tx:a', { f: 'v' }); // wrong type: fails at run time, others are still applied
  m.get('tx:a');
  const outcome = await m.exec({ keepErrors: true });
  expect(outcome.map((o) => o.result ?? null)).toEqual(['OK', 2, null, '2']);
  expect(outcome[2].error).toMatch(/^WRONGTYPE/);

  // Concurrent increments through transactions interleave with nothing: every value is seen once.
  const runs = await Promise.all(Array.from({ length: 20 }, () => {
    const tx = redis.multi();
    tx.incr('tx:counter');
    tx.get('tx:counter');
    return tx.exec();
  }));
  const pairs = runs.map(([n, read]) => [n, Number(read)]);
  pairs.forEach(([n, read]) => expect(read).toBe(n));
  expect(new Set(pairs.map(([n]) => n)).size).toBe(20);
});

test('multi-exec rejected as a whole when a command is malformed: nothing is applied', async () => {
  const res = await fetch(`${t.url}/multi-exec`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}` },
    body: JSON.stringify([['set', 'tx:none', '1'], ['incr'], ['set', 'tx:none2', '2']]),
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: string };
  expect(body.error).toMatch(/^EXECABORT.*wrong number of arguments/);
  expect(await io.exists('tx:none', 'tx:none2')).toBe(0);
});

test('errors: wrong type, unknown command, syntax error', async () => {
  await io.set('err:s', 'text');
  await compare('err', [
    { upstash: (r) => r.lpush('err:s', 'x'), redis: () => ['lpush', 'err:s', 'x'] },
    { upstash: (r) => r.incr('err:s'), redis: () => ['incr', 'err:s'] },
    { upstash: (r) => r.exec(['NOSUCHCOMMAND', 'x']), redis: () => ['NOSUCHCOMMAND', 'x'] },
    { upstash: (r) => r.exec(['SET', 'err:k']), redis: () => ['SET', 'err:k'] },
  ]);
  await expect(redis.lpush('err:s', 'x')).rejects.toThrow(/WRONGTYPE/);
});

test('FLUSHALL empties only this database', async () => {
  const other = await startTestUpstash();
  try {
    await other.redis.set('keep', 'me');
    await redis.set('flush:me', '1');
    await redis.flushall();
    expect(await redis.dbsize()).toBe(0);
    expect(await other.redis.get('keep')).toBe('me');
  } finally {
    await other.stop();
  }
});
