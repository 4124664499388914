import { DOMAIN_EVENT_NAMES, DOMAIN_EVENTS, EventDataError, resolveEvent, UnknownEventError } from '../../lambdas/admin/events';
import { resourceFromPath } from '../../lambdas/engine/keys';
import { defaultSurfaces } from '../../config/surfaces';

describe('domain event table', () => {
  it('covers the events content workflows send', () => {
    expect([...DOMAIN_EVENT_NAMES].sort()).toEqual(['article.deleted', 'article.published', 'article.updated', 'campaign.launched', 'pricing.changed']);
  });

  it('targets only configured surfaces and paths that make valid resources', () => {
    const surfaces = defaultSurfaces('http://origin').map((s) => s.name);
    for (const name of DOMAIN_EVENT_NAMES) {
      const sample = Object.fromEntries(Object.entries(DOMAIN_EVENTS[name].fields).map(([field]) => [field, 'sample-1']));
      const { targets } = resolveEvent(name, sample);
      for (const ref of [...targets.keys, ...targets.resources]) {
        expect(surfaces).toContain(ref.surface);
        expect(() => resourceFromPath(ref.path)).not.toThrow();
      }
      for (const surface of targets.surfaces) expect(surfaces).toContain(surface);
      expect(targets.keys.length + targets.resources.length + targets.surfaces.length).toBeGreaterThan(0);
    }
  });

  it('maps article.published to the page, the listings and the feeds', () => {
    const { targets, data } = resolveEvent('article.published', { slug: 'launch-notes', category: 'news' });
    expect(data).toEqual({ slug: 'launch-notes', category: 'news' });
    expect(targets.keys).toEqual([
      { surface: 'marketing', path: 'feed.xml' },
      { surface: 'marketing', path: 'sitemap.xml' },
    ]);
    expect(targets.resources).toEqual(
      expect.arrayContaining([
        { surface: 'marketing', path: 'blog/launch-notes' },
        { surface: 'api', path: 'articles/launch-notes' },
        { surface: 'marketing', path: 'blog' },
        { surface: 'marketing', path: 'blog/category/news' },
      ]),
    );
    expect(targets.surfaces).toEqual([]);
  });

  it('maps campaign.launched to a whole-surface bump', () => {
    expect(resolveEvent('campaign.launched', {}).targets).toEqual({ keys: [], resources: [], surfaces: ['marketing'] });
    expect(resolveEvent('campaign.launched', undefined).targets.surfaces).toEqual(['marketing']);
  });

  it('leaves optional fields out and adds their targets only when given', () => {
    const without = resolveEvent('pricing.changed', {});
    const withPlan = resolveEvent('pricing.changed', { plan: 'team' });
    expect(withPlan.targets.resources.length).toBe(without.targets.resources.length + 2);
    expect(without.data).toEqual({});
  });

  it.each([
    ['article.archived', { slug: 'a' }, UnknownEventError, /unknown event "article.archived": expected one of article.published/],
    ['article.published', {}, EventDataError, /data.slug is required/],
    ['article.published', { slug: 'Has Spaces' }, EventDataError, /data.slug must be a lowercase slug.*"Has Spaces"/],
    ['article.published', { slug: 7 }, EventDataError, /data.slug must be a string/],
    ['article.published', { slug: 'a', author: 'x' }, EventDataError, /unknown data field\(s\) author; allowed: slug, category/],
    ['article.published', ['a'], EventDataError, /data must be an object/],
    ['campaign.launched', { campaignId: 'bad id!' }, EventDataError, /data.campaignId must be an identifier/],
    ['toString', {}, UnknownEventError, /unknown event/],
  ])('rejects %s %j', (event, data, type, message) => {
    expect(() => resolveEvent(event, data)).toThrow(type);
    expect(() => resolveEvent(event, data)).toThrow(message);
  });
});
