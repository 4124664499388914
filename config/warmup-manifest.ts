/**
 * What the scheduled warmup fills, per environment: the critical paths of each surface (with the
 * variants that matter: the vary query parameters and headers of `config/surfaces.ts`), how hard it
 * may push the origin, and whether it also warms the most requested paths recorded at runtime.
 * Plain data; `lambdas/warmup/manifest.ts` validates it against the surfaces (a test runs that
 * check for every environment).
 */
import type { EnvironmentName } from './types';

export interface WarmupTarget {
  /** A configured surface name. */
  readonly surface: string;
  /** Path below the surface, as in `/c/{surface}/{path}` (lowercase `[a-z0-9._-]` segments). */
  readonly path: string;
  /** Vary query parameters of the variant to warm; others are ignored by the engine. */
  readonly query?: Readonly<Record<string, string>>;
  /** Vary headers (lowercase names) of the variant to warm. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WarmupManifest {
  readonly targets: readonly WarmupTarget[];
  /** Origin requests in flight at most at any moment. */
  readonly concurrency: number;
  /** Origin requests started per second at most. */
  readonly ratePerSecond: number;
  /**
   * Entries that stay fresh at least this long are skipped; those closer to expiry are refreshed.
   * @default 60
   */
  readonly minRemainingSeconds?: number;
  /**
   * Also warm the N most requested paths recorded in the guardrails database
   * (`lambdas/maintenance/popular-requests.ts`); 0 warms the manifest only.
   * @default 0
   */
  readonly popularLimit?: number;
}

const MARKETING_CORE: readonly WarmupTarget[] = [
  { surface: 'marketing', path: 'home' },
  { surface: 'marketing', path: 'pricing' },
  { surface: 'marketing', path: 'features' },
  { surface: 'marketing', path: 'about' },
  { surface: 'marketing', path: 'blog' },
];

/** The localized variants of the core marketing pages (`lang` is a vary parameter of `marketing`). */
const localized = (langs: readonly string[]): WarmupTarget[] =>
  langs.flatMap((lang) => MARKETING_CORE.map((t) => ({ ...t, query: { lang } })));

const API_CORE: readonly WarmupTarget[] = [
  { surface: 'api', path: 'v1/catalog', query: { page: '1', limit: '20' } },
  { surface: 'api', path: 'v1/categories' },
  { surface: 'api', path: 'v1/config', headers: { accept: 'application/json' } },
];

export const WARMUP_MANIFESTS: Readonly<Record<EnvironmentName, WarmupManifest>> = {
  dev: {
    targets: [...MARKETING_CORE, ...API_CORE],
    concurrency: 2,
    ratePerSecond: 5,
  },
  staging: {
    targets: [...MARKETING_CORE, ...localized(['en', 'de']), ...API_CORE],
    concurrency: 4,
    ratePerSecond: 10,
    popularLimit: 50,
  },
  prod: {
    targets: [...MARKETING_CORE, ...localized(['en', 'de', 'fr', 'pl']), ...API_CORE,
      { surface: 'api', path: 'v1/catalog', query: { page: '2', limit: '20' } }],
    concurrency: 8,
    ratePerSecond: 20,
    minRemainingSeconds: 120,
    popularLimit: 200,
  },
};
