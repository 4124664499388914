/**
 * The HTTP routes of the platform: the one table the HTTP API (stacks/runtime-stack.ts), the
 * functions' dispatch, the local dev server and the metric `route` label are derived from.
 */
export type RouteMethod = 'GET' | 'HEAD' | 'POST';

/** The function behind a route. */
export type RouteFunction = 'cache' | 'admin';

export interface RouteDefinition {
  /** Methods the API forwards to the function. */
  readonly methods: readonly RouteMethod[];
  /** Path template as API Gateway spells it: `{name}` one segment, `{name+}` the greedy rest. */
  readonly path: string;
  /** The function that answers it. */
  readonly function: RouteFunction;
  /**
   * Value of the metric `route` label. The read route's is the HTTP contract's spelling
   * (`{path+}`, as in the README, runbook and alert history); every other route's is its path.
   */
  readonly label: string;
}

export const ROUTE_TABLE = {
  read: { methods: ['GET', 'HEAD'], path: '/c/{surface}/{proxy+}', function: 'cache', label: '/c/{surface}/{path+}' },
  healthz: { methods: ['GET'], path: '/healthz', function: 'cache', label: '/healthz' },
  readyz: { methods: ['GET'], path: '/readyz', function: 'cache', label: '/readyz' },
  metrics: { methods: ['GET'], path: '/metrics', function: 'cache', label: '/metrics' },
  debugCache: { methods: ['GET'], path: '/debug/cache', function: 'cache', label: '/debug/cache' },
  invalidate: { methods: ['POST'], path: '/admin/invalidate', function: 'admin', label: '/admin/invalidate' },
  bypass: { methods: ['POST'], path: '/admin/bypass', function: 'admin', label: '/admin/bypass' },
  allowlist: { methods: ['POST'], path: '/admin/allowlist', function: 'admin', label: '/admin/allowlist' },
  status: { methods: ['GET'], path: '/admin/status', function: 'admin', label: '/admin/status' },
} as const satisfies Record<string, RouteDefinition>;

export type RouteId = keyof typeof ROUTE_TABLE;
export const ROUTE_IDS = Object.keys(ROUTE_TABLE) as RouteId[];

/** `route` label of a request no route matched. */
export const UNMATCHED_ROUTE = 'unmatched';

export type RouteLabel = (typeof ROUTE_TABLE)[RouteId]['label'] | typeof UNMATCHED_ROUTE;

/** Every value of the metric `route` label, in table order. */
export const ROUTE_LABELS: readonly RouteLabel[] = [...ROUTE_IDS.map((id) => ROUTE_TABLE[id].label), UNMATCHED_ROUTE];

/** The routes one function answers. */
export function routesOf(fn: RouteFunction): readonly (RouteDefinition & { readonly id: RouteId })[] {
  return ROUTE_IDS.filter((id) => ROUTE_TABLE[id].function === fn).map((id) => ({ id, ...ROUTE_TABLE[id] }));
}

export interface RouteMatch {
  readonly id: RouteId;
  readonly route: RouteDefinition;
  /** Values of the template's `{name}` segments, as API Gateway's `pathParameters`. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

const escape = (text: string): string => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

function templatePattern(path: string): RegExp {
  const source = path.split('/').map((segment) => {
    const param = /^\{([a-z]+)(\+?)\}$/i.exec(segment);
    if (!param) return escape(segment);
    return param[2] ? `(?<${param[1]}>.+)` : `(?<${param[1]}>[^/]+)`;
  }).join('/');
  return new RegExp(`^${source}$`);
}

const PATTERNS: readonly [RouteId, RegExp][] = ROUTE_IDS.map((id) => [id, templatePattern(ROUTE_TABLE[id].path)]);

/** The route whose template matches a raw path (whatever the method), or undefined. */
export function matchRoute(rawPath: string): RouteMatch | undefined {
  for (const [id, pattern] of PATTERNS) {
    const m = pattern.exec(rawPath);
    if (m) return { id, route: ROUTE_TABLE[id], pathParameters: { ...m.groups } };
  }
  return undefined;
}

/** The metric `route` label of a raw path: its route's label (among `fn`'s routes when given), or `unmatched`. */
export function routeLabel(rawPath: string, fn?: RouteFunction): RouteLabel {
  const match = matchRoute(rawPath);
  return match && (fn === undefined || match.route.function === fn) ? ROUTE_TABLE[match.id].label : UNMATCHED_ROUTE;
}
