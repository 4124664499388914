/**
 * The scale-out path on the read side: one engine per cache database (`upstash.cacheShards`), a
 * read going to the engine of its surface's database. The default engine knows every surface, so
 * an unknown one gets its 404 with the full list; a shard's engine knows only its own surfaces.
 */
import type { CacheEngine, ReadRequest, ReadTrace } from '../engine/cache-engine';
import type { HttpResult } from '../shared/http';

export type EngineFacade = Pick<CacheEngine, 'read' | 'inspect' | 'circuitStates'>;

export class CacheEngines implements EngineFacade {
  /** @param shards engines of the further cache databases by the surfaces they hold */
  constructor(private readonly defaultEngine: CacheEngine, private readonly shards: ReadonlyMap<string, CacheEngine> = new Map()) {}

  read(req: ReadRequest, trace?: ReadTrace): Promise<HttpResult> {
    return this.engineOf(req.surface).read(req, trace);
  }

  /** Key layout `<env>:<surface>:...`: the surface picks the database. */
  inspect(key: string): ReturnType<CacheEngine['inspect']> {
    return this.engineOf(key.split(':')[1] ?? '').inspect(key);
  }

  /** Every cache database's circuit, by database (what `/readyz` reports with its pings). */
  circuitStates(): ReturnType<CacheEngine['circuitStates']> {
    return Object.assign({}, this.defaultEngine.circuitStates(), ...[...new Set(this.shards.values())].map((e) => e.circuitStates()));
  }

  private engineOf(surface: string): CacheEngine {
    return this.shards.get(surface) ?? this.defaultEngine;
  }
}
