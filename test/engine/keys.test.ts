import fc from 'fast-check';
import {
  KeyError, buildKey, bypassFlagKey, escapeGlob, parseKey, pathFromResource, refreshLockKey, resourceFromPath,
  resourceGenerationKey, surfaceGenerationKey, surfaceStateKey, validateSegment, variantOf,
} from '../../lambdas/engine/keys';

const segmentChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789._-'.split(''));
const segment = fc.string({ unit: segmentChar, minLength: 1, maxLength: 40 });
const pathSegment = fc.string({ unit: segmentChar, minLength: 1, maxLength: 12 }).filter((s) => !s.startsWith('.') && !s.endsWith('.'));

describe('keys', () => {
  it('builds <env>:<surface>:<resource>:<variant>', () => {
    expect(buildKey({ env: 'dev', surface: 'marketing', resource: 'blog.hello-world', variant: 'default' }))
      .toBe('dev:marketing:blog.hello-world:default');
  });

  it.each([
    ['upper case', 'Blog'],
    ['a colon', 'a:b'],
    ['a glob star', 'a*'],
    ['a space', 'a b'],
    ['empty', ''],
    ['too long', 'a'.repeat(201)],
  ])('rejects a resource with %s', (_, resource) => {
    expect(() => buildKey({ env: 'dev', surface: 'api', resource, variant: 'default' })).toThrow(KeyError);
  });

  it('rejects reserved surface names so entries never collide with generation, flag or lock keys', () => {
    for (const s of ['gen', 'flag', 'lock']) expect(() => validateSegment('surface', s)).toThrow(/reserved/);
  });

  it('KeyError carries status 400 and code bad_key', () => {
    try {
      validateSegment('variant', 'NOPE');
      throw new Error('expected a KeyError');
    } catch (e) {
      expect(e).toBeInstanceOf(KeyError);
      expect((e as KeyError).status).toBe(400);
      expect((e as KeyError).code).toBe('bad_key');
    }
  });

  it('parseKey inverts buildKey for any valid segments (property)', () => {
    fc.assert(fc.property(segment, segment.filter((s) => !['gen', 'flag', 'lock'].includes(s)), segment, segment,
      (env, surface, resource, variant) => {
        const key = buildKey({ env, surface, resource, variant });
        expect(parseKey(key)).toEqual({ env, surface, resource, variant });
      }));
  });

  it('parseKey rejects anything with a character outside [a-z0-9._-:] (property)', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 60 }).filter((s) => /[^a-z0-9._:-]/.test(s)), (s) => {
      expect(() => parseKey(`dev:api:${s}:default`)).toThrow(KeyError);
    }));
  });

  it('maps paths to resources one-to-one (property)', () => {
    fc.assert(fc.property(fc.array(pathSegment, { minLength: 1, maxLength: 6 }), (segments) => {
      const path = segments.join('/');
      const resource = resourceFromPath(`/${path}/`);
      expect(validateSegment('resource', resource)).toBe(resource);
      expect(pathFromResource(resource)).toBe(path);
    }));
    expect(resourceFromPath('blog/a.html')).not.toBe(resourceFromPath('blog.a/html'));
  });

  it.each(['', '/', 'a//b', 'A/b', 'a/%2e%2e', '../etc', 'a/./b', 'a/b.'])('rejects the path %j', (p) => {
    expect(() => resourceFromPath(p)).toThrow(KeyError);
  });

  it('names generation, flag and lock keys', () => {
    expect(surfaceGenerationKey('dev', 'api')).toBe('dev:gen:api');
    expect(resourceGenerationKey('dev', 'api', 'v1.items')).toBe('dev:gen:api:v1.items');
    expect(bypassFlagKey('prod', 'marketing')).toBe('prod:flag:bypass:marketing');
    expect(surfaceStateKey('dev', 'api')).toBe('dev:state:api');
    expect(() => surfaceStateKey('dev', 'state')).toThrow(KeyError);
    expect(refreshLockKey('dev:api:v1.items:default')).toBe('dev:lock:api:v1.items:default');
  });

  it('variantOf: default without inputs, stable hash otherwise, order independent', () => {
    expect(variantOf({})).toBe('default');
    expect(variantOf({ 'q:lang': undefined })).toBe('default');
    const a = variantOf({ 'q:lang': 'en', 'h:accept': 'text/html' });
    expect(a).toMatch(/^v[0-9a-f]{32}$/);
    expect(variantOf({ 'h:accept': 'text/html', 'q:lang': 'en' })).toBe(a);
    expect(variantOf({ 'q:lang': 'de', 'h:accept': 'text/html' })).not.toBe(a);
    expect(() => validateSegment('variant', a)).not.toThrow();
  });

  it('escapeGlob escapes SCAN MATCH metacharacters', () => {
    expect(escapeGlob('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
  });
});
