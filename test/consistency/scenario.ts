/**
 * Small deterministic scenarios on the consistency cluster: each step is recorded as a history
 * operation, so a scenario is checked by the same pure checks as the random workload (with a
 * propagation bound of 0: every step waits for the previous one).
 */
import { performance } from 'node:perf_hooks';
import { checkHistory, type Violation } from './checker';
import { startCluster, type Cluster } from './cluster';
import type { History, InvalidationKind, NewOperation, Operation } from './history';

export interface Scenario {
  readonly cluster: Cluster;
  read(instance: number, path: string): Promise<Operation>;
  write(path: string): void;
  invalidate(how: InvalidationKind, body: unknown, covers: readonly string[]): Promise<Operation>;
  bypass(surface: string, enabled: boolean): Promise<Operation>;
  /** Deletes every key of the cache database that `keep` does not keep. */
  loseCacheKeys(keep: (key: string) => boolean): Promise<number>;
  violations(): Violation[];
  history(): History;
  close(): Promise<void>;
}

export async function startScenario(instances = 2): Promise<Scenario> {
  const cluster = await startCluster(instances);
  const operations: Operation[] = [];
  const record = (op: NewOperation): Operation => {
    const recorded = { ...op, id: operations.length } as Operation;
    operations.push(recorded);
    return recorded;
  };
  const now = (): number => performance.now();
  const admin = async (route: string, body: unknown): Promise<boolean> => {
    const res = await cluster.admin(route, body);
    return (res.statusCode ?? 200) < 300 && !(res.body ?? '').includes('"more":true');
  };
  const read = async (instance: number, path: string): Promise<Operation> => {
    const start = now();
    const res = await cluster.read(instance, path, '192.0.2.10');
    return record({ kind: 'read', instance, path, start, end: now(), status: res.statusCode ?? 200, xcache: res.headers['x-cache'], body: res.body });
  };
  const history = (): History => ({ seed: 0, operations, propagationBoundMs: 0 });
  return {
    cluster,
    read,
    write(path) {
      const at = now();
      cluster.setVersion(path, cluster.version(path) + 1);
      record({ kind: 'write', path, version: cluster.version(path), start: at, end: at });
    },
    async invalidate(how, body, covers) {
      const start = now();
      const acked = await admin('/admin/invalidate', body);
      return record({ kind: 'invalidate', how, covers, detail: JSON.stringify(body), start, end: now(), acked });
    },
    async bypass(surface, enabled) {
      const start = now();
      const acked = await admin('/admin/bypass', enabled ? { surface, enabled, ttlSeconds: 300 } : { surface, enabled });
      return record({ kind: 'bypass', surface, enabled, ttlSeconds: 300, start, end: now(), acked });
    },
    async loseCacheKeys(keep) {
      const doomed = (await cluster.cacheDb.keys('*')).filter((k) => !keep(k));
      if (doomed.length > 0) await cluster.cacheDb.del(...doomed);
      return doomed.length;
    },
    violations: () => checkHistory(history()),
    history,
    close: () => cluster.close(),
  };
}
