/**
 * The storm budget: which errors fall in one group, and how many events a
 * group, and all groups together, may send.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorBudget, groupKey, normalizeMessage, topInAppFrame } from '../../src/events/budget.js';

/** An error thrown from `frame`, with `message`. */
function errorAt(message: string, frame: string, name = 'Error'): Error {
  const error = new Error(message);
  error.name = name;
  error.stack = [
    `${name}: ${message}`,
    '    at Layer.handleRequest (/srv/app/node_modules/router/lib/layer.js:152:17)',
    `    at ${frame}`,
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  ].join('\n');
  return error;
}

test('messages that differ only in numbers, ids, hex or timestamps fall in one group', () => {
  const same: Array<[string, string]> = [
    ['order 1234 failed', 'order 98 failed'],
    ['connect ECONNREFUSED 10.0.0.5:5432', 'connect ECONNREFUSED 10.0.0.7:6543'],
    ['user 3f2b8c1e-9a4d-4c2e-8f1a-2b3c4d5e6f70 not found', 'user 00000000-1111-2222-3333-444444444444 not found'],
    ['request 0xdeadbeef timed out', 'request 0x1f timed out'],
    ['cache miss for key a3f9c2e81b7d', 'cache miss for key 9b8c7d6e5f41'],
    ['job started 2026-12-03T21:00:05.123Z never ended', 'job started 2026-01-01T00:00:00Z never ended'],
  ];
  for (const [a, b] of same) {
    assert.equal(normalizeMessage(a), normalizeMessage(b), `${a} / ${b}`);
    assert.equal(groupKey(errorAt(a, 'handler (/srv/app/routes.js:10:5)')), groupKey(errorAt(b, 'handler (/srv/app/routes.js:10:5)')));
  }
});

test('different types, different words or different top in-app frames are different groups', () => {
  const base = errorAt('payment declined', 'pay (/srv/app/pay.js:10:5)');
  const others = [
    errorAt('payment declined', 'pay (/srv/app/pay.js:10:5)', 'TypeError'),
    errorAt('payment refused', 'pay (/srv/app/pay.js:10:5)'),
    errorAt('payment declined', 'refund (/srv/app/refund.js:3:1)'),
    errorAt('payment declined', 'pay (/srv/app/pay.js:11:5)'),
  ];
  for (const other of others) assert.notEqual(groupKey(other), groupKey(base), other.stack);
  // The column is not part of it (minified or not, the same line is the same place).
  assert.equal(groupKey(errorAt('payment declined', 'pay (/srv/app/pay.js:10:9)')), groupKey(base));
  // Words with digits in them stay words.
  assert.notEqual(normalizeMessage('failed in s3 bucket'), normalizeMessage('failed in s4 bucket'));
});

test('the top in-app frame skips node_modules and node: frames', () => {
  assert.equal(topInAppFrame(errorAt('x', 'handler (/srv/app/routes.js:10:5)').stack ?? ''), 'handler (/srv/app/routes.js:10');
  assert.equal(topInAppFrame('Error: x\n    at node:internal/timers:1:1\n    at /srv/node_modules/a/b.js:1:1'), '');
});

test('any thrown value has a key, and a hostile one never throws', () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('getter');
      },
    },
  );
  for (const value of [undefined, null, 42, 'text 12', Symbol('s'), hostile, { name: 7, message: {}, stack: 1 }]) {
    assert.equal(typeof groupKey(value), 'string');
  }
  assert.equal(groupKey('order 1 failed'), groupKey('order 2 failed'));
  // A 5 MB message is read only as far as it can matter.
  const huge = new Error('x'.repeat(5_000_000));
  assert.ok(groupKey(huge).length < 5_000);
});

test('a group sends its burst, then one per interval; other groups are not held back', () => {
  let now = 0;
  const budget = new ErrorBudget({ burst: 5, intervalMs: 10_000, perSecond: 1_000, now: () => now });
  const sent = (key: string, n: number): number => Array.from({ length: n }, () => budget.admit(key)).filter((s) => s === undefined).length;
  assert.equal(sent('a', 100), 5);
  assert.equal(sent('b', 3), 3);
  now += 9_999;
  assert.equal(sent('a', 10), 0);
  now += 1;
  assert.equal(sent('a', 10), 1);
  now += 60_000;
  assert.equal(sent('a', 10), 5, 'a quiet group earns back its burst, no more');
  assert.equal(budget.admit('a'), 'group-budget');
});

test("the global ceiling holds repeats across groups, but never a group's first event or a crash", () => {
  let now = 0;
  const budget = new ErrorBudget({ burst: 5, intervalMs: 10_000, perSecond: 3, now: () => now });
  const results = ['a', 'b', 'c', 'd', 'e'].flatMap((key) => [budget.admit(key), budget.admit(key)]);
  // Each first goes out; the three repeats the ceiling allows go out; the other two do not.
  assert.equal(results.filter((r) => r === undefined).length, 5 + 3);
  assert.equal(results.filter((r) => r === 'global-ceiling').length, 2);
  assert.equal(budget.admit('a', 'crash'), undefined);
  assert.equal(budget.admit('a', 'explicit'), 'global-ceiling');
  now += 1_000;
  assert.equal(budget.admit('a', 'explicit'), undefined, 'an explicit capture skips the group budget');
});

test('an explicit capture is held to the ceiling only; the number of groups remembered is bounded', () => {
  const budget = new ErrorBudget({ burst: 1, intervalMs: 10_000, perSecond: 1_000, now: () => 0 });
  assert.equal(budget.admit('x'), undefined);
  assert.equal(budget.admit('x'), 'group-budget');
  assert.equal(budget.admit('x', 'explicit'), undefined);
  for (let i = 0; i < 5_000; i++) budget.admit(`unique ${i}`);
  // 'x' was forgotten, so it is a new group again.
  assert.equal(budget.admit('x'), undefined);
});
