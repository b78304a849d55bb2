import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factsOf, noiseReason } from '../../src/events/noise.js';
import { parseMatchers } from '../../src/preload/matchers.js';
import type { ErrorMatcher } from '../../src/preload/matchers.js';

describe('parseMatchers', () => {
  const show = (m: ErrorMatcher): string => (typeof m === 'string' ? `'${m}'` : String(m));
  const cases: Array<{ name: string; value: string | undefined; matchers: string[]; rejected: string[] }> = [
    { name: 'undefined', value: undefined, matchers: [], rejected: [] },
    { name: 'empty', value: '', matchers: [], rejected: [] },
    {
      name: 'substrings, trimmed',
      value: ' ResizeObserver loop , Non-Error promise rejection ',
      matchers: ["'ResizeObserver loop'", "'Non-Error promise rejection'"],
      rejected: [],
    },
    { name: 'blank entries skipped', value: 'a,, ,b,', matchers: ["'a'", "'b'"], rejected: [] },
    { name: 'only commas and spaces', value: ' , ,, ', matchers: [], rejected: [] },
    { name: 'a regex', value: '/^Timeout after \\d+ms$/', matchers: ['/^Timeout after \\d+ms$/'], rejected: [] },
    { name: 'a comma inside a regex', value: '/a{1,3}, b/i, foo', matchers: ['/a{1,3}, b/i', "'foo'"], rejected: [] },
    { name: 'an escaped slash inside a regex', value: '/GET \\/health/', matchers: ['/GET \\/health/'], rejected: [] },
    { name: 'flags kept', value: '/x/ims', matchers: ['/x/ims'], rejected: [] },
    { name: 'g and y stripped', value: '/x/gy, /z/gi', matchers: ['/x/', '/z/i'], rejected: [] },
    { name: 'invalid regex rejected', value: '/[unclosed/, ok', matchers: ["'ok'"], rejected: ['/[unclosed/'] },
    { name: 'invalid flag rejected', value: '/x/q', matchers: [], rejected: ['/x/q'] },
    { name: 'regex then spaces', value: '/x/i  , y', matchers: ['/x/i', "'y'"], rejected: [] },
    { name: 'a path is a substring', value: '/api/users failed', matchers: ["'/api/users failed'"], rejected: [] },
    { name: 'a lone slash is a substring', value: '/', matchers: ["'/'"], rejected: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { matchers, rejected } = parseMatchers(c.value);
      assert.deepEqual(matchers.map(show), c.matchers);
      assert.deepEqual(rejected, c.rejected);
    });
  }

  test('parsed regexes are real RegExps and stateless', () => {
    const { matchers } = parseMatchers('/timeout/gi');
    const [m] = matchers;
    assert.ok(m instanceof RegExp);
    assert.equal(m.global, false);
    // With the g flag, test() would alternate true/false through lastIndex.
    for (let i = 0; i < 3; i++) assert.equal(noiseReason(factsOf(new Error('Timeout')), matchers), 'ignored');
  });
});
