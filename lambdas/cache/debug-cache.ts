/** `GET /debug/cache?key=...` (admin token, checked by the router): a stored entry's metadata. */
import type { CacheEngine } from '../engine/cache-engine';
import { KeyError } from '../engine/keys';
import { json, jsonError, type HttpResult } from '../shared/http';

export async function debugAnswer(engine: Pick<CacheEngine, 'inspect'>, key: string | undefined): Promise<HttpResult> {
  if (!key) return jsonError(400, 'missing_key', 'query parameter "key" is required: /debug/cache?key=<env>:<surface>:<resource>:<variant>');
  let found: Awaited<ReturnType<CacheEngine['inspect']>>;
  try {
    found = await engine.inspect(key);
  } catch (e) {
    if (e instanceof KeyError) return jsonError(400, 'bad_key', e.message);
    return jsonError(503, 'redis_unavailable', 'Redis is unavailable');
  }
  if (!found) return jsonError(404, 'not_found', `no entry for key ${key}`);
  if (found.corrupt) return json(200, found);
  const { entry } = found;
  return json(200, {
    key,
    corrupt: false,
    schemaVersion: entry.schemaVersion,
    surfaceVersion: entry.surfaceVersion,
    currentSurfaceVersion: found.currentSurfaceVersion,
    generations: entry.generations,
    currentGenerations: found.currentGenerations,
    valid: found.valid,
    storedAt: new Date(entry.storedAtMs).toISOString(),
    ageSeconds: found.ageSeconds,
    ttlSeconds: entry.ttlSeconds,
    staleSeconds: entry.staleSeconds,
    state: found.state,
    originMs: entry.originMs,
    checksum: entry.checksum,
    etag: entry.etag,
    encoding: entry.encoding,
    storedBytes: found.storedBytes,
    status: entry.payload.status,
    headers: entry.payload.headers,
    bodyBytes: entry.payload.body.byteLength,
    bypass: found.bypass,
  });
}
