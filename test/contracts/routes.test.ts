import { LABELS } from '../../contracts/metrics';
import { ROUTE_LABELS, ROUTE_TABLE, matchRoute, routeLabel, routesOf } from '../../contracts/routes';

describe('route table', () => {
  it('matches a read path with the path parameters API Gateway sets', () => {
    expect(matchRoute('/c/marketing/blog/a.html')).toEqual({
      id: 'read', route: ROUTE_TABLE.read, pathParameters: { surface: 'marketing', proxy: 'blog/a.html' },
    });
    expect(matchRoute('/c/marketing')).toBeUndefined();
    expect(matchRoute('/admin/status')?.id).toBe('status');
    expect(matchRoute('/admin/status/x')).toBeUndefined();
  });

  it('labels a path by its route, by function when asked, else unmatched', () => {
    expect(routeLabel('/c/api/v1/x')).toBe('/c/{surface}/{path+}');
    expect(routeLabel('/healthz', 'cache')).toBe('/healthz');
    expect(routeLabel('/admin/bypass', 'cache')).toBe('unmatched');
    expect(routeLabel('/nothing')).toBe('unmatched');
  });

  it('is where the metric route label values come from', () => {
    expect(LABELS.route.values).toEqual(ROUTE_LABELS);
    expect(new Set(ROUTE_LABELS).size).toBe(ROUTE_LABELS.length);
  });

  it('gives each admin route one method (the admin API answers 405 for the others)', () => {
    expect(routesOf('admin').map((r) => r.methods.length)).toEqual([1, 1, 1, 1]);
    expect(routesOf('cache').map((r) => r.id)).toEqual(['read', 'healthz', 'readyz', 'metrics', 'debugCache']);
  });
});
