/**
 * The local platform one history runs against: the cache database on its own redis-server (an
 * eviction policy, a delaying TCP proxy in front so it can be slowed) and the guardrails database on
 * another (`noeviction`), each behind the local Upstash REST server; a versioned origin that can hold
 * one instance's answers (an instance frozen mid-refresh); N cache functions and one admin function
 * built by their own factories (`createCacheFunction`, `createAdminFunction`), as `npm run dev`
 * builds them, talking to Redis only through the real `@upstash/redis` client. With `cacheShards`
 * the `api` surface lives in a further cache database (`upstash.cacheShards`, the scale-out path):
 * logical database 1 of the cache redis-server, behind the same proxy and its own REST server.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import IORedis from 'ioredis';
import { environment } from '../../config/environments';
import { createAdminFunction } from '../../lambdas/admin/handler';
import { createCacheFunction, type CacheFunction } from '../../lambdas/cache/handler';
import type { HttpResult } from '../../lambdas/shared/http';
import { originOverrideVariable } from '../../lambdas/shared/runtime-environment';
import { startRedisServer, type RedisProcess } from '../../local/redis-process';
import { startTcpProxy, type TcpProxy } from '../../local/tcp-proxy';
import { startUpstashServer, type LocalUpstashServer } from '../../local/upstash-server';
import { startOrigin, type Origin } from '../support/origin';
import { shardVariables, withCacheShard } from '../support/two-cache-databases';
import { originBody } from './history';

/** Admin tokens used in turn: the admin rate limit (60 a minute) is per token. */
const ADMIN_TOKENS = Array.from({ length: 12 }, (_, i) => `consistency-admin-token-${i}-4c1e9a`);

export interface Cluster {
  readonly instances: readonly CacheFunction[];
  admin(path: string, body: unknown): Promise<HttpResult>;
  read(instance: number, path: string, clientIp: string): Promise<HttpResult>;
  /** The version the origin serves for a path (1 until set). */
  version(path: string): number;
  setVersion(path: string, version: number): void;
  /** Holds the origin's answers to this instance until `thaw` (bodies rendered on arrival). */
  freeze(instance: number): void;
  thaw(instance: number): void;
  readonly cacheRedis: RedisProcess;
  readonly guardrailsRedis: RedisProcess;
  readonly proxy: TcpProxy;
  readonly upstash: { readonly cache: LocalUpstashServer; readonly guardrails: LocalUpstashServer; readonly cacheShard?: LocalUpstashServer };
  /** Straight to the cache database's redis-server (not through the proxy), for faults. */
  readonly cacheDb: IORedis;
  /** Straight to the further cache database (logical database 1), with `cacheShards` only. */
  readonly cacheShardDb?: IORedis;
  readonly origin: Origin;
  close(): Promise<void>;
}

export function httpEvent(method: string, rawPath: string, opts: { headers?: Record<string, string>; body?: string; sourceIp?: string } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: opts.headers ?? {},
    isBase64Encoded: false,
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    requestContext: {
      accountId: 'local', apiId: 'consistency', domainName: 'localhost', domainPrefix: 'localhost', requestId: 'r', routeKey: '$default',
      stage: '$default', time: '', timeEpoch: 0,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: opts.sourceIp ?? '198.51.100.1', userAgent: 'consistency' },
    },
  };
}

export interface ClusterOptions {
  /** Serve the `api` surface from a further cache database (`upstash.cacheShards`). @default false */
  readonly cacheShards?: boolean;
}

export async function startCluster(instanceCount: number, opts: ClusterOptions = {}): Promise<Cluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
  };
  try {
    const [cacheRedis, guardrailsRedis] = await Promise.all([
      startRedisServer({ maxmemory: '256mb', evictionPolicy: 'allkeys-random' }),
      startRedisServer({ evictionPolicy: 'noeviction' }),
    ]);
    cleanups.push(() => cacheRedis.stop(), () => guardrailsRedis.stop());
    const proxy = await startTcpProxy({ targetPort: cacheRedis.port });
    cleanups.push(() => proxy.close());
    const [cache, guardrails] = await Promise.all([
      startUpstashServer({ redisUrl: proxy.url, db: 0 }),
      startUpstashServer({ redisUrl: guardrailsRedis.url, db: 0 }),
    ]);
    cleanups.push(() => cache.close(), () => guardrails.close());
    const cacheShard = opts.cacheShards ? await startUpstashServer({ redisUrl: proxy.url, db: 1 }) : undefined;
    if (cacheShard) cleanups.push(() => cacheShard.close());

    const versions = new Map<string, number>();
    const frozen = new Map<number, { thawed: Promise<void>; thaw: () => void }>();
    const origin = await startOrigin(async (req) => {
      const match = /^\/i(\d+)\/(.+)$/.exec(req.path);
      if (!match) return { status: 404, body: 'no such instance' };
      const path = match[2] as string;
      const body = originBody(path, versions.get(path) ?? 1);
      await frozen.get(Number(match[1]))?.thawed;
      return { status: 200, headers: { 'content-type': 'application/json' }, body };
    });
    cleanups.push(() => origin.close());

    const base: NodeJS.ProcessEnv = {
      CACHE_ENV: 'dev',
      UPSTASH_REDIS_REST_URL: cache.url,
      UPSTASH_REDIS_REST_TOKEN: cache.token,
      UPSTASH_GUARDRAILS_REST_URL: guardrails.url,
      UPSTASH_GUARDRAILS_REST_TOKEN: guardrails.token,
      ADMIN_TOKEN: ADMIN_TOKENS.join(','),
      MAX_INFLIGHT: '1000',
      ...(cacheShard ? shardVariables(cacheShard) : {}),
    };
    const config = cacheShard ? withCacheShard(environment('dev')) : undefined;
    const surfaces = environment('dev').surfaces.map((s) => s.name);
    const envOf = (instance: number): NodeJS.ProcessEnv =>
      ({ ...base, ...Object.fromEntries(surfaces.map((s) => [originOverrideVariable(s), `${origin.url}/i${instance}/${s}`])) });
    const instances = await Promise.all(Array.from({ length: instanceCount }, (_, i) => createCacheFunction({ env: envOf(i), config })));
    const adminFunction = await createAdminFunction({ env: envOf(instanceCount), config });
    const direct = (db: number): IORedis => {
      const client = new IORedis(cacheRedis.url, { db, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 50, 500) });
      client.on('error', () => undefined);
      cleanups.push(async () => client.disconnect());
      return client;
    };
    const cacheDb = direct(0);
    const cacheShardDb = cacheShard ? direct(1) : undefined;
    cleanups.push(async () => { for (const f of frozen.values()) f.thaw(); });
    let adminCalls = 0;

    return {
      instances,
      admin: (path, body) => adminFunction(httpEvent('POST', path, {
        headers: { authorization: `Bearer ${ADMIN_TOKENS[adminCalls++ % ADMIN_TOKENS.length]}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })),
      read: (instance, path, clientIp) => (instances[instance] as CacheFunction)(httpEvent('GET', `/c/${path}`, { sourceIp: clientIp })),
      version: (path) => versions.get(path) ?? 1,
      setVersion: (path, version) => { versions.set(path, version); },
      freeze(instance) {
        if (frozen.has(instance)) return;
        let thaw: () => void = () => undefined;
        const thawed = new Promise<void>((resolve) => { thaw = resolve; });
        frozen.set(instance, { thawed, thaw });
      },
      thaw(instance) {
        frozen.get(instance)?.thaw();
        frozen.delete(instance);
      },
      cacheRedis,
      guardrailsRedis,
      proxy,
      upstash: { cache, guardrails, cacheShard },
      cacheDb,
      cacheShardDb,
      origin,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
