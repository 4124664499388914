import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../local/dev-server';

const ROOT = join(__dirname, '..', '..');
const TOKEN = 'cli-e2e-admin-token-0123456789abcdef';

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI as an operator would (`npx tsx cli/main.ts ...`), with only the given environment. */
function cli(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_loglevel: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('operator CLI end to end against the dev server', () => {
  let dev: DevServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    dev = await startDevServer({ port: 0, adminToken: TOKEN, env: {} });
    env = { CACHE_ADMIN_URL: dev.url, CACHE_ADMIN_TOKEN: TOKEN };
  });

  afterAll(async () => {
    await dev?.close();
  });

  /** A bare GET, like `curl`: no Accept-Language, so the default variant is what gets cached. */
  function xcache(path: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      get(`${dev.url}${path}`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['x-cache'] as string | undefined));
      }).on('error', reject);
    });
  }

  it('prints help and exits 0; wrong usage and missing settings exit 2 with a clear message', async () => {
    const [help, commandHelp, wrong, noEnv, badTtl] = await Promise.all([
      cli(['--help'], {}),
      cli(['invalidate', '--help'], {}),
      cli(['invalidate', '--key', 'a', '--prefix', 'b'], env),
      cli(['version-bump', '--surface', 'marketing'], {}),
      cli(['bypass', '--surface', 'marketing', '--on', '--ttl', 'soon'], env),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*invalidate[\s\S]*version-bump[\s\S]*bypass[\s\S]*analyze/);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toMatch(/--prefix <prefix>/);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/give only one of --key, --prefix/);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/set CACHE_ADMIN_URL/);
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toMatch(/--ttl must be a duration/);
  });

  it('invalidates a cached page by key: HIT becomes MISS', async () => {
    const page = '/c/marketing/blog/hello-world';
    expect(await xcache(page)).toBe('MISS');
    expect(await xcache(page)).toBe('HIT');
    const run = await cli(['invalidate', '--key', 'dev:marketing:blog.hello-world:default'], env);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/deleted 1 key/);
    expect(await xcache(page)).toBe('MISS');
  });

  it('applies an event, bumps a surface, and reports failures with exit code 1', async () => {
    const article = '/c/api/articles/launch-notes';
    await xcache(article);
    expect(await xcache(article)).toBe('HIT');
    const [event, unknownEvent, unknownSurface, badToken] = await Promise.all([
      cli(['invalidate', '--event', 'article.updated', '--data', 'slug=launch-notes'], env),
      cli(['invalidate', '--event', 'article.archived', '--data', 'slug=x'], env),
      cli(['version-bump', '--surface', 'shop'], env),
      cli(['version-bump', '--surface', 'marketing'], { ...env, CACHE_ADMIN_TOKEN: 'wrong' }),
    ]);
    expect(event.code).toBe(0);
    expect(event.stdout).toMatch(/bumped dev:gen:api:articles\.launch-notes/);
    expect(await xcache(article)).toBe('MISS');
    expect(unknownEvent.code).toBe(1);
    expect(unknownEvent.stderr).toMatch(/422 unknown_event/);
    expect(unknownSurface.code).toBe(1);
    expect(unknownSurface.stderr).toMatch(/422 unknown_surface/);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/401 unauthorized/);

    const home = '/c/marketing/index';
    await xcache(home);
    expect(await xcache(home)).toBe('HIT');
    const bump = await cli(['version-bump', '--surface', 'marketing'], env);
    expect(bump.code).toBe(0);
    expect(await xcache(home)).toBe('MISS');
  });

  it('turns the bypass on and off', async () => {
    const page = '/c/marketing/pricing';
    await xcache(page);
    const on = await cli(['bypass', '--surface', 'marketing', '--on', '--ttl', '10m'], env);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/bypass ON for marketing: .* 600 s/);
    expect(await xcache(page)).toBe('BYPASS');
    const off = await cli(['bypass', '--surface', 'marketing', '--off'], env);
    expect(off.code).toBe(0);
    expect(await xcache(page)).toBe('HIT');
  });

  it('purges a large prefix in batches, showing progress, and keeps other keys', async () => {
    const paths = Array.from({ length: 25 }, (_, i) => `/c/api/catalog/item-${i}`);
    for (const path of paths) await xcache(path);
    await xcache('/c/api/other');
    const run = await cli(['invalidate', '--prefix', 'dev:api:catalog.', '--batch', '10'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/purging dev:api:catalog\.: \d+ key\(s\) deleted so far/);
    expect(run.stdout).toMatch(/deleted 25 key\(s\) in ([2-9]|\d\d) request/);
    expect(await xcache(paths[7])).toBe('MISS');
    expect(await xcache('/c/api/other')).toBe('HIT');
  });

  it('analyzes hit rate by surface and namespace from the recorded metrics', async () => {
    // The engine flushes its counters at most every 5 s, on a later request: keep reading until they land.
    const deadline = Date.now() + 15_000;
    for (;;) {
      await xcache('/c/marketing/about');
      const status = (await (await fetch(`${dev.url}/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { hits: number };
      if (status.hits > 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const run = await cli(['analyze', '--time-range', '24h'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Cache hit rate/);
    expect(run.stdout).toMatch(/surface\s+namespace\s+hits\s+stale\s+misses\s+hit rate/);
    expect(run.stdout).toMatch(/^marketing\s+marketing\s+[1-9]\d*\s+\d+\s+[1-9]\d*\s+\d+\.\d%$/m);
    expect(run.stdout).toMatch(/^all\s+\d+/m);
  });
});
