import fc from 'fast-check';
import { KeyError } from '../../lambdas/engine/keys';
import { RequestTargets, requestTarget } from '../../lambdas/engine/request-target';
import { testSurfaces } from './engine-support';

const [marketing] = testSurfaces('http://127.0.0.1:1');

// Characters the memo id uses as separators, so collisions would show if the id were ambiguous.
const tricky = fc.string({ unit: fc.constantFrom('a', 'b', '|', ':', '-', '1', '2', ' '), maxLength: 6 });
const request = fc.record({
  path: fc.constantFrom('a', 'a/b', 'b', 'a.b'),
  lang: fc.option(tricky, { nil: undefined }),
  acceptLanguage: fc.option(tricky, { nil: undefined }),
});

describe('RequestTargets (per-instance memo of request targets)', () => {
  it('always answers what requestTarget computes, whatever order requests arrive in', () => {
    fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 40 }), (requests) => {
      const memo = new RequestTargets('dev');
      for (const r of requests) {
        const query = { lang: r.lang };
        const headers = { 'accept-language': r.acceptLanguage };
        let expected: string | KeyError;
        let got: string | KeyError;
        try { expected = requestTarget('dev', marketing, r.path, query, headers).key; } catch (e) { expected = e as KeyError; }
        try { got = memo.get(marketing, r.path, query, headers).key; } catch (e) { got = e as KeyError; }
        expect(got).toEqual(expected);
      }
    }), { numRuns: 300 });
  });
});
