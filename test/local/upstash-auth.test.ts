/**
 * Tokens of the local Upstash server: wrong or missing tokens get 401, the read-only token cannot
 * write nor SCAN/KEYS, `setTokens` revokes the old tokens, and ACL-user tokens run as that user.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from '@upstash/redis';
import IORedis from 'ioredis';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

let t: TestUpstash;
let io: IORedis;
const aclUsers: string[] = [];

beforeAll(async () => {
  t = await startTestUpstash();
  io = new IORedis(t.redisUrl, { db: t.db });
});

afterAll(async () => {
  if (aclUsers.length > 0) await io.call('ACL', 'DELUSER', ...aclUsers);
  io?.disconnect();
  await t?.stop();
});

function client(token: string): Redis {
  return new Redis({ url: t.url, token, automaticDeserialization: false, enableTelemetry: false, retry: false });
}

async function post(path: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
}

/** An ACL user name no other test (in any worker) uses: ACL users are server-wide. */
function aclUser(): string {
  const name = `test-user-${randomBytes(6).toString('hex')}`;
  aclUsers.push(name);
  return name;
}

describe('standard token', () => {
  test('missing or wrong token: 401 with the Upstash error text, on every endpoint', async () => {
    for (const [path, body] of [['/', ['get', 'a']], ['/pipeline', [['get', 'a']]], ['/multi-exec', [['get', 'a']]]] as const) {
      for (const token of [undefined, 'wrong-token', `${t.token}x`]) {
        const res = await post(path, body, token);
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ error: 'WRONGPASS invalid or missing auth token' });
      }
    }
    await expect(client('wrong').get('a')).rejects.toThrow(/WRONGPASS invalid or missing auth token/);
  });

  test('the token is also accepted as ?_token=', async () => {
    const res = await fetch(`${t.url}/?_token=${encodeURIComponent(t.token)}`, { method: 'POST', body: '["echo","hi"]' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'hi' });
    const wrong = await fetch(`${t.url}/?_token=nope`, { method: 'POST', body: '["echo","hi"]' });
    expect(wrong.status).toBe(401);
  });

  test('setTokens revokes the old tokens at once and the new ones work', async () => {
    const other = await startTestUpstash();
    try {
      const oldToken = other.server.token;
      const oldReadOnly = other.server.readOnlyToken;
      await other.redis.set('k', 'v');
      other.server.setTokens({ token: 'new-standard-token', readOnlyToken: 'new-read-only-token' });
      expect(other.server.token).toBe('new-standard-token');
      const viaOld = new Redis({ url: other.url, token: oldToken, retry: false, enableTelemetry: false });
      const viaOldReadOnly = new Redis({ url: other.url, token: oldReadOnly, retry: false, enableTelemetry: false });
      await expect(viaOld.get('k')).rejects.toThrow(/WRONGPASS/);
      await expect(viaOldReadOnly.get('k')).rejects.toThrow(/WRONGPASS/);
      const viaNew = new Redis({ url: other.url, token: 'new-standard-token', automaticDeserialization: false, enableTelemetry: false });
      expect(await viaNew.get('k')).toBe('v');
      const viaNewReadOnly = new Redis({ url: other.url, token: 'new-read-only-token', automaticDeserialization: false, enableTelemetry: false });
      expect(await viaNewReadOnly.get('k')).toBe('v');
      expect(() => other.server.setTokens({ token: 'same', readOnlyToken: 'same' })).toThrow(/must differ/);
    } finally {
      await other.stop();
    }
  });
});

describe('read-only token', () => {
  let ro: Redis;
  beforeAll(async () => {
    ro = client(t.readOnlyToken);
    await io.set('ro:a', '1');
    await io.hset('ro:h', 'f', 'v');
  });

  test('reads work', async () => {
    expect(await ro.get('ro:a')).toBe('1');
    expect(await ro.mget('ro:a', 'ro:none')).toEqual(['1', null]);
    expect(await ro.hgetall('ro:h')).toEqual(['f', 'v']);
    expect(await ro.exists('ro:a')).toBe(1);
    expect(await ro.ttl('ro:a')).toBe(-1);
    expect(await ro.dbsize()).toBeGreaterThan(0);
    expect(await ro.ping()).toBe('PONG');
    expect(await ro.evalRo('return redis.call("GET", KEYS[1])', ['ro:a'], [])).toBe('1');
  });

  test.each([
    ['SET', (r: Redis) => r.set('ro:a', '2')],
    ['DEL', (r: Redis) => r.del('ro:a')],
    ['INCR', (r: Redis) => r.incr('ro:a')],
    ['HSET', (r: Redis) => r.hset('ro:h', { f: 'x' })],
    ['EXPIRE', (r: Redis) => r.expire('ro:a', 1)],
    ['EVAL', (r: Redis) => r.eval('return redis.call("SET", KEYS[1], "3")', ['ro:a'], [])],
    ['FLUSHDB', (r: Redis) => r.flushdb()],
    ['PUBLISH', (r: Redis) => r.publish('chan', 'x')],
    ['SCAN', (r: Redis) => r.scan(0)],
    ['KEYS', (r: Redis) => r.keys('*')],
    ['ACL GENTOKEN', (r: Redis) => r.exec(['ACL', 'GENTOKEN', 'default'])],
  ])('%s is refused with NOPERM and changes nothing', async (_name, run) => {
    await expect(run(ro)).rejects.toThrow(/NOPERM this user has no permissions/);
    expect(await io.get('ro:a')).toBe('1');
    expect(await io.hget('ro:h', 'f')).toBe('v');
    expect(await io.ttl('ro:a')).toBe(-1);
  });

  test('in a pipeline only the writes fail; in a transaction the whole transaction is refused', async () => {
    const res = await post('/pipeline', [['get', 'ro:a'], ['set', 'ro:a', '9'], ['get', 'ro:a']], t.readOnlyToken);
    expect(res.status).toBe(200);
    const entries = (await res.json()) as { result?: unknown; error?: string }[];
    expect(entries[0]).toEqual({ result: '1' });
    expect(entries[1].error).toMatch(/^NOPERM/);
    expect(entries[2]).toEqual({ result: '1' });
    const tx = await post('/multi-exec', [['get', 'ro:a'], ['set', 'ro:a', '9']], t.readOnlyToken);
    expect(tx.status).toBe(400);
    expect(((await tx.json()) as { error: string }).error).toMatch(/^NOPERM/);
    expect(await io.get('ro:a')).toBe('1');
  });
});

describe('ACL user tokens (Upstash-style ACL GENTOKEN / ACL RESTTOKEN)', () => {
  test('GENTOKEN: the token is the user\'s password and a REST token with only that user\'s permissions', async () => {
    const user = aclUser();
    expect(await t.redis.exec(['ACL', 'SETUSER', user, 'on', '~app:*', '+@all', '-flushdb'])).toBe('OK');
    const token = await t.redis.exec<string>(['ACL', 'GENTOKEN', user]);
    expect(typeof token).toBe('string');
    expect(token.length).toBeGreaterThan(20);

    const asUser = client(token);
    expect(await asUser.set('app:x', 'from-user')).toBe('OK');
    expect(await io.get('app:x')).toBe('from-user');
    expect(await asUser.exec(['ACL', 'WHOAMI'])).toBe(user);
    await expect(asUser.set('other:x', 'no')).rejects.toThrow(/NOPERM/);
    await expect(asUser.flushdb()).rejects.toThrow(/NOPERM/);

    // The same token logs in to Redis itself as that user.
    const direct = new IORedis(t.redisUrl, { username: user, password: token, db: t.db, lazyConnect: true });
    await direct.connect();
    expect(await direct.call('ACL', 'WHOAMI')).toBe(user);
    direct.disconnect();
  });

  test('RESTTOKEN: a REST token for a user and password; a wrong password mints nothing', async () => {
    const user = aclUser();
    await io.call('ACL', 'SETUSER', user, 'on', '>s3cret-password', '~*', '+@all');
    const token = await t.redis.exec<string>(['ACL', 'RESTTOKEN', user, 's3cret-password']);
    const asUser = client(token);
    expect(await asUser.exec(['ACL', 'WHOAMI'])).toBe(user);
    await expect(t.redis.exec(['ACL', 'RESTTOKEN', user, 'wrong-password'])).rejects.toThrow(/WRONGPASS/);
    await expect(t.redis.exec(['ACL', 'GENTOKEN', 'no-such-user-xyz'])).rejects.toThrow(/does not exist/);
  });

  test('two users used alternately rotate with no moment where the current token fails', async () => {
    const [blue, green] = [aclUser(), aclUser()];
    for (const user of [blue, green]) await t.redis.exec(['ACL', 'SETUSER', user, 'on', '~*', '+@all']);
    const blueToken = await t.redis.exec<string>(['ACL', 'GENTOKEN', blue]);
    expect(await client(blueToken).set('rot:k', 'blue')).toBe('OK');
    const greenToken = await t.redis.exec<string>(['ACL', 'GENTOKEN', green]);
    expect(await client(greenToken).get('rot:k')).toBe('blue');
    expect(await client(blueToken).get('rot:k')).toBe('blue'); // still valid until blue's password goes
    // Removing blue's passwords through the server revokes tokens derived from them at once.
    await t.redis.exec(['ACL', 'SETUSER', blue, 'resetpass']);
    await expect(client(blueToken).get('rot:k')).rejects.toThrow(/WRONGPASS invalid or missing auth token/);
    expect(await client(greenToken).get('rot:k')).toBe('blue');
  });

  test('ACL DELUSER and revokeToken end a token', async () => {
    const [gone, revoked] = [aclUser(), aclUser()];
    for (const user of [gone, revoked]) await t.redis.exec(['ACL', 'SETUSER', user, 'on', '~*', '+@all']);
    const goneToken = await t.redis.exec<string>(['ACL', 'GENTOKEN', gone]);
    const revokedToken = await t.redis.exec<string>(['ACL', 'GENTOKEN', revoked]);
    expect(await client(goneToken).ping()).toBe('PONG');
    expect(await client(revokedToken).ping()).toBe('PONG');
    expect(await t.redis.exec(['ACL', 'DELUSER', gone])).toBe(1);
    await expect(client(goneToken).ping()).rejects.toThrow(/WRONGPASS/);
    expect(t.server.revokeToken(revokedToken)).toBe(true);
    await expect(client(revokedToken).ping()).rejects.toThrow(/WRONGPASS/);
    expect(t.server.revokeToken(revokedToken)).toBe(false);
  });

  test('a user deleted straight on Redis loses REST access too', async () => {
    const user = aclUser();
    await t.redis.exec(['ACL', 'SETUSER', user, 'on', '~*', '+@all']);
    const token = await t.redis.exec<string>(['ACL', 'GENTOKEN', user]);
    expect(await client(token).ping()).toBe('PONG');
    await io.call('ACL', 'DELUSER', user);
    // The first request may still meet the dropped connection (503); the next logs in afresh and fails.
    await client(token).ping().catch(() => undefined);
    await expect(client(token).ping()).rejects.toThrow(/WRONGPASS/);
  });
});
