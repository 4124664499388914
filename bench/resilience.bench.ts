/**
 * Stampede protection when it is hardest, and bounded memory, each scenario in a fresh process
 * (`resilience-child.ts`) against the local Upstash server in its own process:
 * - 1,000 concurrent requests to one cold key on a freshly started engine: origin calls (target 1),
 *   also with two CPU-burning processes beside it, and across 8 engine instances;
 * - concurrent reads of one key in one instance with Redis down and with an emergency bypass on
 *   (target 1 origin call each);
 * - 16 concurrent 50 MB origin bodies (streamed without Content-Length): peak RSS growth of the
 *   engine's process after its first request (target < 100 MB). Each body is refused once 4.6 MB
 *   (the most Lambda can return) have arrived, so about 74 MB pass through the process; what is
 *   held at once is bounded by the body slots (`lambdas/engine/body-slots.ts`), the rest is what
 *   V8 has not yet collected (it collects such buffers about every 64 MB of them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ChildResult, ChildScenario } from './resilience-child';
import { startUpstashProcess } from './engine-upstash-process';

export interface ResilienceFigure {
  readonly scenario: string;
  readonly requests: number;
  readonly instances: number;
  readonly originCalls: number;
  readonly distinctBodies: number;
  readonly statuses: Record<string, number>;
  readonly peakRssGrowthMb?: number;
}

export interface ResilienceBenchResult {
  readonly figures: readonly ResilienceFigure[];
}

const BIG_BODY_BYTES = 50 * 1024 * 1024;

/** The origin: 20 ms per answer (a real stampede window); `/big/*` streams 50 MB in 64 KiB chunks. */
function startOrigin(): Promise<{ server: Server; url: string; calls: (prefix: string) => number }> {
  const seen: string[] = [];
  const chunk = Buffer.alloc(64 * 1024, 1);
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(path);
    if (path.startsWith('/big/')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let left = BIG_BODY_BYTES;
      const pump = (): void => {
        while (left > 0) {
          left -= chunk.byteLength;
          if (!res.write(chunk)) { res.once('drain', pump); return; }
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    setTimeout(() => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`${path} #${seen.length}`); }, 20);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: (prefix) => seen.filter((p) => p.startsWith(prefix)).length,
  })));
}

function runChild(scenario: ChildScenario): Promise<ChildResult> {
  const root = join(__dirname, '..');
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(__dirname, 'resilience-child.ts'), JSON.stringify(scenario)], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => child.once('exit', (code) => {
    if (code !== 0) return reject(new Error(`scenario ${scenario.kind} failed (${code}): ${err.slice(0, 2000)}`));
    resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult);
  }));
}

/** Two processes spinning on a core each, stopped by their pid. */
function startBurners(): ChildProcess[] {
  return [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

export async function run(): Promise<ResilienceBenchResult> {
  const upstash = await startUpstashProcess();
  const origin = await startOrigin();
  const figures: ResilienceFigure[] = [];
  const base = { upstashUrl: upstash.url, token: upstash.token, originUrl: origin.url };
  const measure = async (scenario: string, s: Omit<ChildScenario, 'upstashUrl' | 'token' | 'originUrl'>, prefix: string, over = base) => {
    const before = origin.calls(prefix);
    const r = await runChild({ ...over, ...s });
    figures.push({
      scenario, requests: s.requests, instances: s.instances, originCalls: origin.calls(prefix) - before,
      distinctBodies: r.distinctBodies, statuses: r.statuses,
      ...(r.peakRssGrowthBytes !== undefined ? { peakRssGrowthMb: Math.round(r.peakRssGrowthBytes / 1024 / 1024) } : {}),
    });
  };
  try {
    await measure('cold, one instance', { kind: 'stampede', instances: 1, requests: 1000, paths: ['/c/api/cold/a'] }, '/cold/a');
    const burners = startBurners();
    try {
      await measure('cold, one instance, two CPU burners', { kind: 'stampede', instances: 1, requests: 1000, paths: ['/c/api/cold/b'] }, '/cold/b');
    } finally {
      for (const b of burners) b.kill('SIGKILL');
    }
    await measure('cold, 8 instances', { kind: 'stampede', instances: 8, requests: 1000, paths: ['/c/api/cold/c'] }, '/cold/c');
    await measure('Redis down, one instance', { kind: 'redis-down', instances: 1, requests: 200, paths: ['/c/api/down/a'] }, '/down/a',
      { ...base, upstashUrl: 'http://127.0.0.1:9' });
    await measure('16 concurrent 50 MB bodies', {
      kind: 'memory', instances: 1, requests: 16, paths: Array.from({ length: 16 }, (_, i) => `/c/api/big/${i}`),
    }, '/big/');
    // Last: it leaves the surface bypassed for a minute.
    await measure('emergency bypass, one instance', { kind: 'bypass', instances: 1, requests: 200, paths: ['/c/api/bypassed/a'] }, '/bypassed/a');
  } finally {
    await new Promise((r) => origin.server.close(r));
    await upstash.stop();
  }
  return { figures };
}

export function print(result: ResilienceBenchResult): void {
  for (const f of result.figures) {
    console.log(`${f.scenario}: ${f.requests} requests -> ${f.originCalls} origin call(s), ${f.distinctBodies} distinct bod(ies)`
      + `${f.peakRssGrowthMb !== undefined ? `, peak RSS +${f.peakRssGrowthMb} MB` : ''}; ${JSON.stringify(f.statuses)}`);
  }
}

if (require.main === module) {
  run().then(print).catch((e: unknown) => { console.error(e); process.exit(1); });
}
