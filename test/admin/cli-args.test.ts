import { renderHitRateReport } from '../../cli/analyze';
import { parseCommand, UsageError } from '../../cli/args';
import { parseDurationSeconds } from '../../cli/duration';
import { main } from '../../cli/main';
import { freePort } from '../../local/redis-process';

describe('CLI argument parsing', () => {
  it('parses each command', () => {
    expect(parseCommand(['invalidate', '--key', 'dev:a:b:default', '--key', 'dev:a:c:default'])).toEqual({
      name: 'invalidate',
      target: { kind: 'keys', keys: ['dev:a:b:default', 'dev:a:c:default'] },
      idempotencyKey: undefined,
      json: false,
    });
    expect(parseCommand(['invalidate', '--prefix', 'dev:api:a*', '--batch', '50', '--json'])).toMatchObject({
      target: { kind: 'prefix', prefix: 'dev:api:a*', batchLimit: 50 },
      json: true,
    });
    expect(parseCommand(['invalidate', '--event', 'article.published', '--data', 'slug=a=b', '--data', 'category=news'])).toMatchObject({
      target: { kind: 'event', event: 'article.published', data: { slug: 'a=b', category: 'news' } },
    });
    expect(parseCommand(['version-bump', '--surface', 'marketing', '--idempotency-key', 'x1'])).toEqual({
      name: 'version-bump',
      surface: 'marketing',
      idempotencyKey: 'x1',
      json: false,
    });
    expect(parseCommand(['bypass', '--surface', 'api', '--on', '--ttl', '1h'])).toMatchObject({ enabled: true, ttlSeconds: 3600 });
    expect(parseCommand(['bypass', '--surface', 'api', '--off'])).toMatchObject({ enabled: false, ttlSeconds: undefined });
    expect(parseCommand(['analyze', '--time-range', '7d'])).toMatchObject({ name: 'analyze', timeRangeSeconds: 604_800 });
    expect(parseCommand(['analyze'])).toMatchObject({ timeRangeSeconds: 86_400 });
    expect(parseCommand([])).toEqual({ name: 'help' });
    expect(parseCommand(['bypass', '-h'])).toEqual({ name: 'help', topic: 'bypass' });
  });

  it.each([
    [['purge'], /unknown command "purge"/],
    [['invalidate'], /give --key, --prefix or --event/],
    [['invalidate', '--key', 'a', '--event', 'b'], /give only one of --key, --event/],
    [['invalidate', '--event', 'a', '--data', 'novalue'], /--data must be field=value/],
    [['invalidate', '--event', 'a', '--data', 'x=1', '--data', 'x=2'], /--data x given twice/],
    [['invalidate', '--key', 'a', '--data', 'x=1'], /--data goes with --event/],
    [['invalidate', '--prefix', 'p', '--batch', '0'], /--batch must be a positive integer/],
    [['invalidate', '--keys', 'a'], /Unknown option '--keys'/],
    [['version-bump'], /--surface is required/],
    [['bypass', '--surface', 'a'], /exactly one of --on or --off/],
    [['bypass', '--surface', 'a', '--off', '--ttl', '1h'], /--ttl goes with --on/],
    [['analyze', '--time-range', '24 hours'], /--time-range must be a duration/],
    [['analyze', 'extra'], /Unexpected argument 'extra'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });

  it('parses durations', () => {
    expect(parseDurationSeconds('90', '--ttl')).toBe(90);
    expect(parseDurationSeconds('15m', '--ttl')).toBe(900);
    expect(() => parseDurationSeconds('0s', '--ttl')).toThrow(/positive/);
    expect(() => parseDurationSeconds('1w', '--ttl')).toThrow(/--ttl must be a duration/);
  });
});

describe('CLI main without a server', () => {
  function capture(): { out: string[]; err: string[]; io: { out: (l: string) => void; err: (l: string) => void } } {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
  }

  it('exits 2 with usage on wrong arguments and 0 on --help', async () => {
    const wrong = capture();
    expect(await main(['bypass', '--surface', 'a'], {}, wrong.io)).toBe(2);
    expect(wrong.err.join('\n')).toMatch(/error: give exactly one of --on or --off[\s\S]*Usage: npm run cache:bypass/);
    const help = capture();
    expect(await main(['--help'], {}, help.io)).toBe(0);
    expect(help.out.join('\n')).toMatch(/CACHE_ADMIN_URL/);
  });

  it('exits 1 with the reason when the admin API cannot be reached', async () => {
    const run = capture();
    const port = await freePort(); // free, so nothing listens there
    const code = await main(['version-bump', '--surface', 'marketing'], { CACHE_ADMIN_URL: `http://127.0.0.1:${port}`, CACHE_ADMIN_TOKEN: 't' }, run.io);
    expect(code).toBe(1);
    expect(run.err.join('\n')).toContain(`cannot reach http://127.0.0.1:${port}/admin/invalidate: ECONNREFUSED`);
  });

  it('exits 1 on a URL that is not one', async () => {
    const run = capture();
    expect(await main(['analyze'], { CACHE_ADMIN_URL: 'not a url', CACHE_ADMIN_TOKEN: 't' }, run.io)).toBe(1);
    expect(run.err.join('\n')).toMatch(/CACHE_ADMIN_URL is not a URL/);
  });
});

describe('hit-rate report', () => {
  it('prints one row per namespace, subtotals for multi-namespace surfaces, and the total', () => {
    const text = renderHitRateReport({
      windowSeconds: 86_400,
      source: 'test',
      namespaces: [
        { namespace: 'marketing', hits: 90, misses: 10, stale: 0 },
        { namespace: 'api', hits: 1, misses: 2, stale: 1 },
      ],
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Cache hit rate, last 1d (test)');
    expect(lines[1]).toMatch(/^surface\s+namespace\s+hits\s+stale\s+misses\s+hit rate$/);
    expect(lines).toContainEqual(expect.stringMatching(/^api\s+api\s+1\s+1\s+2\s+50\.0%$/));
    expect(lines).toContainEqual(expect.stringMatching(/^marketing\s+marketing\s+90\s+0\s+10\s+90\.0%$/));
    expect(lines[lines.length - 1]).toMatch(/^all\s+91\s+1\s+12\s+88\.5%$/);
  });

  it('says so when nothing was read', () => {
    expect(renderHitRateReport({ source: 'test', namespaces: [] })).toMatch(/no cache reads recorded/);
  });
});

describe('CLI prefix purge against a rate-limited admin API', () => {
  it('waits as Retry-After says and carries on from the same cursor', async () => {
    const { createServer } = await import('node:http');
    const bodies: unknown[] = [];
    let calls = 0;
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        calls += 1;
        bodies.push(JSON.parse(text));
        if (calls === 2) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ error: 'rate_limited', message: 'too many requests' }));
          return;
        }
        const more = calls < 3;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, kind: 'prefix', deleted: 5, bumped: [], more, cursor: more ? '17' : '0', durationMs: 1, logged: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await main(['invalidate', '--prefix', 'dev:api:x'], { CACHE_ADMIN_URL: `http://127.0.0.1:${port}`, CACHE_ADMIN_TOKEN: 't' }, { out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(code).toBe(0);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(err).toContain('rate limited by the admin API: waiting 1 s');
    expect(bodies).toEqual([
      { prefix: 'dev:api:x', cursor: '0' },
      { prefix: 'dev:api:x', cursor: '17' },
      { prefix: 'dev:api:x', cursor: '17' },
    ]);
    expect(out).toEqual(['purged prefix dev:api:x: deleted 10 key(s) in 2 request(s)']);
  });
});
