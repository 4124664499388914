/**
 * Monthly usage of the Upstash databases, for the quota ratio the alerts watch.
 *
 * In production the source is the Developer API, `GET /v2/redis/stats/{id}` (Basic auth
 * `email:api_key`). Locally (and in tests) the same JSON comes from a file or URL
 * (`UPSTASH_STATS_SOURCE`, with `{database}` replaced by `cache` or `guardrails`).
 *
 * Fields read from the stats answer (everything else is ignored):
 * - `total_monthly_requests` (number, required): requests made to the database this month;
 * - `diskusage` (array of `{x: timestamp, y: bytes}`, optional): the newest `y` is the data size;
 * - `total_monthly_bandwidth` (number, optional, bytes; not every API version sends it).
 */
import { readFile } from 'node:fs/promises';
import type { DatabaseLabel } from '../../contracts/database-roles';
import { UPSTASH_QUOTA_THRESHOLDS } from '../../contracts/thresholds';
import type { DeveloperApiCredentials } from '../shared/upstash-developer-api';


export interface UpstashUsage {
  readonly monthlyRequests: number;
  readonly storageBytes?: number;
  readonly monthlyBandwidthBytes?: number;
}

class UsageSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageSourceError';
  }
}

/** Where the stats JSON of a database comes from. */
export interface UsageStatsSource {
  /** For reports and errors, e.g. `developer-api` or the file path (never a secret). */
  readonly description: string;
  /** The raw stats answer of one database. */
  stats(database: DatabaseLabel): Promise<unknown>;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Reads the fields listed above; throws `UsageSourceError` naming the bad field. */
export function parseUpstashStats(raw: unknown, where: string): UpstashUsage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageSourceError(`${where}: stats must be a JSON object`);
  const s = raw as Record<string, unknown>;
  if (!isCount(s.total_monthly_requests)) {
    throw new UsageSourceError(`${where}: field "total_monthly_requests" must be a number >= 0, got ${JSON.stringify(s.total_monthly_requests)}`);
  }
  let storageBytes: number | undefined;
  if (Array.isArray(s.diskusage) && s.diskusage.length > 0) {
    const last = s.diskusage[s.diskusage.length - 1] as { y?: unknown } | null;
    if (last && isCount(last.y)) storageBytes = last.y;
  }
  return {
    monthlyRequests: s.total_monthly_requests,
    storageBytes,
    monthlyBandwidthBytes: isCount(s.total_monthly_bandwidth) ? s.total_monthly_bandwidth : undefined,
  };
}

export type QuotaLevel = 'ok' | 'warning' | 'critical';

export interface QuotaReading extends UpstashUsage {
  readonly database: DatabaseLabel;
  readonly monthlyRequestQuota: number;
  /** monthlyRequests / monthlyRequestQuota. */
  readonly ratio: number;
  /** Against the alert thresholds (alerts/config.ts: 55 % warning, 70 % critical). */
  readonly level: QuotaLevel;
}

export function quotaReading(database: DatabaseLabel, usage: UpstashUsage, monthlyRequestQuota: number): QuotaReading {
  if (!(monthlyRequestQuota > 0)) throw new UsageSourceError(`monthly request quota of ${database} must be > 0, got ${monthlyRequestQuota}`);
  const ratio = usage.monthlyRequests / monthlyRequestQuota;
  const level: QuotaLevel = ratio >= UPSTASH_QUOTA_THRESHOLDS.critical ? 'critical' : ratio >= UPSTASH_QUOTA_THRESHOLDS.warning ? 'warning' : 'ok';
  return { database, ...usage, monthlyRequestQuota, ratio, level };
}

const databasePath = (template: string, database: DatabaseLabel): string => template.replace(/\{database\}/g, database);

/** Stats from a JSON file; `{database}` in the path is replaced by the database role. */
export class FileUsageSource implements UsageStatsSource {
  readonly description: string;

  constructor(private readonly pathTemplate: string) {
    this.description = `file:${pathTemplate}`;
  }

  async stats(database: DatabaseLabel): Promise<unknown> {
    const path = databasePath(this.pathTemplate, database);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new UsageSourceError(`cannot read stats file ${path}: ${(e as Error).message}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageSourceError(`stats file ${path} is not JSON`);
    }
  }
}

type Fetch = typeof fetch;

async function getJson(fetchFn: Fetch, url: string, headers: Record<string, string>, timeoutMs: number, label: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchFn(url, { method: 'GET', headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new UsageSourceError(`${label}: request failed: ${(e as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new UsageSourceError(`${label}: answered HTTP ${res.status}`);
  }
  try {
    return await res.json();
  } catch {
    throw new UsageSourceError(`${label}: answer is not JSON`);
  }
}

/** Stats from a URL answering the same JSON (a local stand-in for the Developer API). */
export class UrlUsageSource implements UsageStatsSource {
  readonly description: string;

  constructor(private readonly urlTemplate: string, private readonly fetchFn: Fetch = fetch, private readonly timeoutMs = 10_000) {
    this.description = `url:${urlTemplate}`;
  }

  stats(database: DatabaseLabel): Promise<unknown> {
    const url = databasePath(this.urlTemplate, database);
    return getJson(this.fetchFn, url, {}, this.timeoutMs, `GET ${url}`);
  }
}

export interface DeveloperApiUsageSourceOptions {
  readonly credentials: () => Promise<DeveloperApiCredentials>;
  /** Upstash database id per role. */
  /** Upstash database ids by database (`cache`, `guardrails`, `cache-<id>` of a further cache database). */
  readonly databaseIds: Readonly<Partial<Record<DatabaseLabel, string>>>;
  /** @default https://api.upstash.com */
  readonly baseUrl?: string;
  readonly fetch?: Fetch;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** `GET /v2/redis/stats/{id}` of the Upstash Developer API. */
export class DeveloperApiUsageSource implements UsageStatsSource {
  readonly description = 'developer-api';

  constructor(private readonly opts: DeveloperApiUsageSourceOptions) {}

  async stats(database: DatabaseLabel): Promise<unknown> {
    const id = this.opts.databaseIds[database];
    if (id === undefined) throw new UsageSourceError(`no Upstash database id for ${database}`);
    const base = (this.opts.baseUrl ?? 'https://api.upstash.com').replace(/\/+$/, '');
    const { email, apiKey } = await this.opts.credentials();
    const path = `/v2/redis/stats/${encodeURIComponent(id)}`;
    return getJson(this.opts.fetch ?? fetch, `${base}${path}`,
      { authorization: `Basic ${Buffer.from(`${email}:${apiKey}`).toString('base64')}` }, this.opts.timeoutMs ?? 10_000, `GET ${path}`);
  }
}
