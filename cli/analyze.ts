import { hitRateOf, type NamespaceCounts } from '../lambdas/admin/hit-stats';
import { formatTable } from './table';

export interface HitRateReport {
  /** Window the counts cover; undefined when only totals since the counters started are known. */
  readonly windowSeconds?: number;
  /** Where the figures came from, printed in the title. */
  readonly source: string;
  readonly namespaces: readonly NamespaceCounts[];
}

/** The surface a namespace belongs to: its first segment (`marketing:blog` → `marketing`). */
export function surfaceOf(namespace: string): string {
  return namespace.split(/[:/]/)[0] || namespace;
}

function sum(rows: readonly NamespaceCounts[], namespace: string): NamespaceCounts {
  return rows.reduce((acc, r) => ({ namespace, hits: acc.hits + r.hits, misses: acc.misses + r.misses, stale: acc.stale + r.stale }), {
    namespace,
    hits: 0,
    misses: 0,
    stale: 0,
  });
}

function percent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)}%`;
}

function describeWindow(seconds: number | undefined): string {
  if (seconds === undefined) return 'since the counters started';
  if (seconds % 86_400 === 0) return `last ${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `last ${seconds / 3600}h`;
  if (seconds % 60 === 0) return `last ${seconds / 60}m`;
  return `last ${seconds}s`;
}

const HEADERS = ['surface', 'namespace', 'hits', 'stale', 'misses', 'hit rate'];
const NUMERIC = new Set([2, 3, 4, 5]);

/**
 * One row per namespace under its surface, a subtotal for a surface with several namespaces, and
 * the total, as the terminal shows it.
 */
export function renderHitRateReport(report: HitRateReport): string {
  const title = `Cache hit rate, ${describeWindow(report.windowSeconds)} (${report.source})`;
  if (report.namespaces.length === 0) return `${title}\nno cache reads recorded`;
  const row = (surface: string, namespace: string, c: NamespaceCounts): string[] => [
    surface,
    namespace,
    String(c.hits),
    String(c.stale),
    String(c.misses),
    percent(hitRateOf(c)),
  ];
  const bySurface = new Map<string, NamespaceCounts[]>();
  for (const counts of report.namespaces) {
    const surface = surfaceOf(counts.namespace);
    bySurface.set(surface, [...(bySurface.get(surface) ?? []), counts]);
  }
  const rows: string[][] = [];
  for (const surface of [...bySurface.keys()].sort()) {
    const namespaces = [...(bySurface.get(surface) ?? [])].sort((a, b) => a.namespace.localeCompare(b.namespace));
    for (const counts of namespaces) rows.push(row(surface, counts.namespace, counts));
    if (namespaces.length > 1) rows.push(row(surface, '(all)', sum(namespaces, surface)));
  }
  rows.push(row('all', '', sum(report.namespaces, 'all')));
  return `${title}\n${formatTable(HEADERS, rows, NUMERIC)}`;
}
