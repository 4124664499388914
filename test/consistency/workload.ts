/**
 * The workload driver: runs one random, seeded, concurrent history against a fresh cluster and
 * records every operation with its start and end time. Readers GET random paths on random engine
 * instances; a control loop changes the origin's content versions and issues invalidations of every
 * kind and bypass on/off through the admin function; a fault loop injects faults one at a time.
 * The seed fixes the plan (choices and pauses); timing on a shared machine does the rest.
 */
import { performance } from 'node:perf_hooks';
import { resolveEvent } from '../../lambdas/admin/events';
import { buildKey, DEFAULT_VARIANT, resourceFromPath } from '../../lambdas/engine/keys';
import { startCluster, type Cluster } from './cluster';
import { FAULT_KINDS, injectFault, type FaultKind } from './faults';
import { surfaceOf, type History, type InvalidationKind, type NewOperation, type Operation } from './history';
import { SeededRandom } from './random';

export const PATHS: readonly string[] = [
  'marketing/blog', 'marketing/blog/launch-notes', 'marketing/blog/pricing-news', 'marketing/blog/category/news',
  'marketing/feed.xml', 'marketing/sitemap.xml', 'marketing/pricing', 'marketing/pricing/pro', 'marketing/about',
  'api/articles', 'api/articles/launch-notes', 'api/articles/pricing-news', 'api/plans', 'api/plans/pro',
];
const SURFACES = [...new Set(PATHS.map(surfaceOf))];
/** The platform's target: every instance sees an invalidation within 1 s (bench/report-targets.ts). */
export const PROPAGATION_BOUND_MS = 1000;

export interface WorkloadOptions {
  readonly seed: number;
  readonly durationMs: number;
  /** Engine instances (cache functions). @default 4 */
  readonly instances?: number;
  /** Concurrent readers. @default 24 */
  readonly readers?: number;
  /** @default every kind */
  readonly faults?: readonly FaultKind[];
  /** The `api` surface in a further cache database (`upstash.cacheShards`). @default false */
  readonly cacheShards?: boolean;
}

const keyOf = (path: string): string => {
  const surface = surfaceOf(path);
  return buildKey({ env: 'dev', surface, resource: resourceFromPath(path.slice(surface.length + 1)), variant: DEFAULT_VARIANT });
};

/** Every domain event the workload may send, with the paths it covers. */
const EVENTS = (() => {
  const candidates: { event: string; data: Record<string, string> }[] = [{ event: 'campaign.launched', data: {} }];
  for (const event of ['article.published', 'article.updated', 'article.deleted']) {
    for (const slug of ['launch-notes', 'pricing-news']) {
      candidates.push({ event, data: { slug } }, { event, data: { slug, category: 'news' } });
    }
  }
  candidates.push({ event: 'pricing.changed', data: {} }, { event: 'pricing.changed', data: { plan: 'pro' } });
  return candidates.map((c) => {
    const { targets } = resolveEvent(c.event, c.data);
    const exact = [...targets.keys, ...targets.resources].map((r) => `${r.surface}/${r.path}`);
    const covers = PATHS.filter((p) => exact.includes(p) || targets.surfaces.includes(surfaceOf(p)));
    return { ...c, covers };
  });
})();

interface Invalidation {
  readonly how: InvalidationKind;
  readonly body: unknown;
  readonly covers: readonly string[];
  readonly detail: string;
}

function invalidationFor(path: string, random: SeededRandom): Invalidation {
  const surface = surfaceOf(path);
  const how = random.pick<InvalidationKind>(['keys', 'prefix', 'event', 'surface']);
  if (how === 'keys') return { how, body: { keys: [keyOf(path)] }, covers: [path], detail: keyOf(path) };
  if (how === 'prefix') {
    const prefix = random.pick([`${keyOf(path).slice(0, -DEFAULT_VARIANT.length)}`, keyOf(path).split(':').slice(0, 3).join(':'), `dev:${surface}:`]);
    return { how, body: { prefix }, covers: PATHS.filter((p) => keyOf(p).startsWith(prefix)), detail: prefix };
  }
  const events = EVENTS.filter((e) => e.covers.includes(path));
  if (how === 'event' && events.length > 0) {
    const e = random.pick(events);
    return { how, body: { event: e.event, data: e.data }, covers: e.covers, detail: `${e.event} ${JSON.stringify(e.data)}` };
  }
  return { how: 'surface', body: { surface, bump: true }, covers: PATHS.filter((p) => surfaceOf(p) === surface), detail: surface };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs one history; the cluster is started for it and stopped after it. */
export async function runHistory(opts: WorkloadOptions): Promise<History> {
  const random = new SeededRandom(opts.seed);
  const faults = opts.faults ?? FAULT_KINDS;
  const cluster = await startCluster(opts.instances ?? 4, { cacheShards: opts.cacheShards });
  const operations: Operation[] = [];
  let nextId = 0;
  const record = (op: NewOperation): void => { operations.push({ ...op, id: nextId++ } as Operation); };
  const now = (): number => performance.now();
  const t0 = now();
  const deadline = t0 + opts.durationMs;
  for (const path of PATHS) record({ kind: 'write', path, version: 1, start: t0, end: t0 });

  // Hot and cold paths: a cold entry can sit unread for seconds, as on a real site.
  const popularity = random.shuffle(PATHS);
  const unavailable = new Set<number>();
  /** Paths a frozen instance is refreshing: the control loop changes them more often (adversarial). */
  const refreshing = new Set<string>();
  const inflight = new Map<number, number>();
  try {
    await Promise.all([
      ...Array.from({ length: opts.readers ?? 24 }, (_, r) => reader(cluster, new SeededRandom(opts.seed * 31 + r + 1))),
      control(cluster, random),
      faults.length > 0 ? faultLoop(cluster, new SeededRandom(opts.seed * 17 + 7)) : Promise.resolve(),
    ]);
  } finally {
    await cluster.close();
  }
  return { seed: opts.seed, operations: operations.sort((a, b) => a.start - b.start || a.id - b.id), propagationBoundMs: PROPAGATION_BOUND_MS };

  async function reader(c: Cluster, rnd: SeededRandom): Promise<void> {
    while (now() < deadline) {
      const ready = c.instances.map((_, i) => i).filter((i) => !unavailable.has(i));
      if (ready.length === 0) {
        await sleep(5);
        continue;
      }
      await readOnce(c, rnd.pick(ready), rnd.zipf(popularity), `10.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`);
    }
  }

  async function readOnce(c: Cluster, instance: number, path: string, ip: string): Promise<void> {
    inflight.set(instance, (inflight.get(instance) ?? 0) + 1);
    const start = now();
    try {
      const res = await c.read(instance, path, ip);
      const body = res.body === undefined ? undefined : res.isBase64Encoded ? Buffer.from(res.body, 'base64').toString('utf8') : res.body;
      record({ kind: 'read', instance, path, start, end: now(), status: res.statusCode ?? 200, xcache: res.headers['x-cache'], body });
    } catch (e) {
      record({ kind: 'read', instance, path, start, end: now(), status: 0, error: (e as Error).message });
    } finally {
      inflight.set(instance, (inflight.get(instance) ?? 1) - 1);
    }
  }

  /** The frozen instance refreshes a path: its entry is dropped, the read waits at the origin. */
  async function refreshOn(c: Cluster, instance: number, rnd: SeededRandom): Promise<string> {
    const path = rnd.pick(PATHS);
    const originPath = `/i${instance}/${path}`;
    const asked = c.origin.requestsFor(originPath);
    await c.cacheDb.del(keyOf(path)).catch(() => undefined);
    refreshing.add(path);
    void readOnce(c, instance, path, '192.0.2.99').finally(() => refreshing.delete(path));
    for (let i = 0; i < 100 && c.origin.requestsFor(originPath) === asked; i++) await sleep(10);
    return path;
  }

  async function admin(c: Cluster, route: string, body: unknown): Promise<{ ok: boolean; json: Record<string, unknown> }> {
    const res = await c.admin(route, body);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(res.body ?? '{}') as Record<string, unknown>;
    } catch {
      // not JSON: not acknowledged
    }
    const status = res.statusCode ?? 200;
    return { ok: status >= 200 && status < 300, json };
  }

  async function control(c: Cluster, rnd: SeededRandom): Promise<void> {
    const bypassOn = new Set<string>();
    while (now() < deadline) {
      await sleep(rnd.int(30, 200));
      const roll = rnd.next();
      if (roll < 0.55) {
        // Content changes, then the content system invalidates it (or, sometimes, forgets to).
        const path = refreshing.size > 0 && rnd.chance(0.5) ? rnd.pick([...refreshing]) : rnd.pick(PATHS);
        const at = now();
        c.setVersion(path, c.version(path) + 1);
        record({ kind: 'write', path, version: c.version(path), start: at, end: at });
        if (rnd.chance(0.9)) await invalidate(c, invalidationFor(path, rnd));
      } else if (roll < 0.75) {
        await invalidate(c, invalidationFor(rnd.pick(PATHS), rnd));
      } else if (roll < 0.85) {
        const surface = rnd.pick(SURFACES);
        const enabled = !bypassOn.has(surface);
        const ttlSeconds = 300;
        const start = now();
        const { ok } = await admin(c, '/admin/bypass', enabled ? { surface, enabled, ttlSeconds } : { surface, enabled });
        record({ kind: 'bypass', surface, enabled, ttlSeconds, start, end: now(), acked: ok });
        if (enabled) bypassOn.add(surface);
        else bypassOn.delete(surface);
      }
    }
    for (const surface of bypassOn) {
      const start = now();
      const { ok } = await admin(c, '/admin/bypass', { surface, enabled: false });
      record({ kind: 'bypass', surface, enabled: false, ttlSeconds: 0, start, end: now(), acked: ok });
    }
  }

  async function invalidate(c: Cluster, inv: Invalidation): Promise<void> {
    const start = now();
    const { ok, json } = await admin(c, '/admin/invalidate', inv.body);
    const acked = ok && json.more !== true;
    record({ kind: 'invalidate', how: inv.how, covers: inv.covers, detail: inv.detail, start, end: now(), acked });
  }

  async function faultLoop(c: Cluster, rnd: SeededRandom): Promise<void> {
    while (now() < deadline - 1500) {
      await sleep(rnd.int(200, 1000));
      const kind = rnd.pick(faults);
      const start = now();
      const fault = await injectFault(kind, {
        cluster: c,
        random: rnd,
        onFreeze: (instance, frozen) => { if (frozen) unavailable.add(instance); },
        refreshOn: (instance) => refreshOn(c, instance, rnd),
      });
      await sleep(kind === 'key-loss' ? 0 : rnd.int(300, 1500));
      const learned = await fault.clear();
      if (kind === 'instance-freeze') await drained(fault.detail);
      record({ kind: 'fault', fault: kind, detail: [fault.detail, learned].filter(Boolean).join('; '), start, end: now(), ...(fault.instance !== undefined ? { instance: fault.instance } : {}) });
    }
  }

  /** A thawed instance takes new requests once those it held have answered (one Lambda, one request). */
  async function drained(detail: string): Promise<void> {
    const instance = Number(/instance (\d+)/.exec(detail)?.[1]);
    while ((inflight.get(instance) ?? 0) > 0 && now() < deadline + 15_000) await sleep(5);
    unavailable.delete(instance);
  }
}
