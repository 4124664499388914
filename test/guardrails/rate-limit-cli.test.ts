import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { main, parseFlags, type Output } from '../../cli/rate-limit-test';
import { RateLimiterManager, rateLimitedResponse } from '../../lambdas/guardrails/rate-limiter';
import { startTestUpstash, type TestUpstash } from '../support/upstash';

function capture(): Output & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => { out += `${t}\n`; },
    err: (t) => { err += `${t}\n`; },
    stdout: () => out,
    stderr: () => err,
  };
}

/** A real HTTP endpoint limited by RateLimiterManager on a real Redis (10 per minute per IP). */
async function limitedEndpoint(upstash: TestUpstash, options: { headers: boolean }): Promise<{ url: string; close(): Promise<void> }> {
  const manager = new RateLimiterManager({
    redis: upstash.redis, env: 'dev',
    policies: { marketing: { algorithm: 'fixed-window', limit: 10, windowSeconds: 60, keyBy: 'ip', failMode: 'open', timeoutMs: 2000 } },
  });
  const server: Server = createServer((req, res) => {
    void manager.limit('marketing', req.socket.remoteAddress ?? 'unknown').then((decision) => {
      const answer = decision.allowed
        ? { statusCode: 200, headers: decision.headers, body: 'hello' }
        : rateLimitedResponse(decision);
      res.writeHead(answer.statusCode ?? 200, options.headers ? answer.headers : {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/c/marketing/home`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('rate-limit:test flags', () => {
  it('parses the flags with defaults', () => {
    expect(parseFlags(['--url', 'http://127.0.0.1:8787/c/marketing/home'])).toEqual({
      url: 'http://127.0.0.1:8787/c/marketing/home', requests: 200, concurrency: 20, method: 'GET', headers: {}, timeoutMs: 10_000, json: false,
    });
    expect(parseFlags(['--url', 'http://h/x', '--requests', '5', '--concurrency', '50', '--header', 'X-Api-Key: abc', '--method', 'head']))
      .toMatchObject({ requests: 5, concurrency: 5, method: 'HEAD', headers: { 'X-Api-Key': 'abc' } });
    expect(parseFlags(['--help'])).toBeUndefined();
  });

  it.each([
    [[], /--url is required/],
    [['--url', 'not a url'], /--url must be an absolute http\(s\) URL, got "not a url"/],
    [['--url', 'ftp://h/x'], /http\(s\) URL/],
    [['--url', 'http://h/x', '--requests', '0'], /--requests must be an integer between 1 and 100000, got "0"/],
    [['--url', 'http://h/x', '--requests', '1e3'], /--requests must be an integer/],
    [['--url', 'http://h/x', '--concurrency', 'many'], /--concurrency must be an integer between 1 and 1000, got "many"/],
    [['--url', 'http://h/x', '--header', 'no-colon'], /--header must look like "Name: value"/],
    [['--url', 'http://h/x', '--bogus'], /Unknown option '--bogus'/],
  ])('rejects %p', (argv, message) => {
    expect(() => parseFlags(argv as string[])).toThrow(message as RegExp);
  });

  it('prints the problem and the usage and exits 2 on bad flags', async () => {
    const io = capture();
    expect(await main(['--requests', 'x'], io)).toBe(2);
    expect(io.stderr()).toMatch(/--url is required|--requests must be/);
    expect(io.stderr()).toContain('Usage: npm run rate-limit:test');
  });
});

describe('rate-limit:test against a running endpoint', () => {
  let upstash: TestUpstash;

  beforeAll(async () => { upstash = await startTestUpstash(); });
  afterAll(async () => { await upstash?.stop(); });
  beforeEach(async () => { await upstash.flush(); });

  it('reports allowed and limited counts and the headers seen, and exits 0', async () => {
    const endpoint = await limitedEndpoint(upstash, { headers: true });
    try {
      const io = capture();
      const code = await main(['--url', endpoint.url, '--requests', '40', '--concurrency', '8', '--json'], io);
      expect(io.stderr()).toBe('');
      expect(code).toBe(0);
      const report = JSON.parse(io.stdout());
      expect(report).toMatchObject({ requests: 40, allowed: 10, limited: 30, errors: {}, otherStatuses: {}, problems: [] });
      expect(report.headers.limit).toEqual(['10']);
      expect(report.headers.remaining).toEqual({ min: 0, max: 9 });
      expect(report.headers.resetSeconds.min).toBeGreaterThanOrEqual(1);
      expect(report.headers.retryAfterSeconds.min).toBeGreaterThanOrEqual(1);

      const text = capture();
      expect(await main(['--url', endpoint.url, '--requests', '3'], text)).toBe(0);
      expect(text.stdout()).toMatch(/allowed \(2xx\/3xx\)\s+0/);
      expect(text.stdout()).toMatch(/limited \(429\)\s+3/);
      expect(text.stdout()).toMatch(/RateLimit-Limit\s+10/);
    } finally {
      await endpoint.close();
    }
  });

  it('fails (exit 1) when the endpoint sends no rate-limit headers', async () => {
    const endpoint = await limitedEndpoint(upstash, { headers: false });
    try {
      const io = capture();
      expect(await main(['--url', endpoint.url, '--requests', '12', '--concurrency', '4'], io)).toBe(1);
      expect(io.stderr()).toMatch(/12 answers lacked RateLimit-Limit\/Remaining\/Reset/);
      expect(io.stderr()).toMatch(/2 answers were 429 without Retry-After/);
    } finally {
      await endpoint.close();
    }
  });

  it('fails (exit 1) with a clear message when the URL cannot be reached', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve)); // the port is now closed
    const io = capture();
    expect(await main(['--url', `http://127.0.0.1:${port}/c/marketing/home`, '--requests', '3'], io)).toBe(1);
    expect(io.stderr()).toMatch(new RegExp(`could not reach http://127.0.0.1:${port}/c/marketing/home: ECONNREFUSED`));
  });

  it('runs as the npm script entry point: --help exits 0, a bad flag exits 2', async () => {
    const run = promisify(execFile);
    const help = await run('npx', ['tsx', 'cli/rate-limit-test.ts', '--help'], { cwd: `${__dirname}/../..` });
    expect(help.stdout).toContain('--concurrency <n>');
    const bad = await run('npx', ['tsx', 'cli/rate-limit-test.ts', '--url'], { cwd: `${__dirname}/../..` }).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/--url.*argument missing|argument missing/i);
  });
});
