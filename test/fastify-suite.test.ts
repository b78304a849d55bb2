/**
 * `npm run test:frameworks` (scripts/frameworks.ts): the reporter that names
 * each result, the rules that decide what is a difference, and the doc that
 * must list the same allowed differences as the script.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { TestEvent } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { compare, confirm, keyed, WHOLE_FILE } from '../scripts/frameworks/compare.js';
import type { FileRun, Outcome } from '../scripts/frameworks/compare.js';
import { ALLOWED, compatibilitySection, EXCLUDED } from '../scripts/frameworks/fastify.js';
import reporter from '../scripts/frameworks/reporter.js';
import type { Line, Status, TestRecord } from '../scripts/frameworks/reporter.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function report(events: readonly TestEvent[]): Promise<Line[]> {
  const out: Line[] = [];
  // A stream of events, as node --test hands a reporter.
  for await (const chunk of reporter(Readable.from(events))) out.push(JSON.parse(chunk) as Line);
  return out;
}

const loc = (file: string): { file: string; line: number; column: number } => ({ file, line: 1, column: 1 });
const dequeue = (file: string): TestEvent => ({ type: 'test:dequeue', data: { name: file, nesting: 0, ...loc(file) } });
const pass = (name: string, nesting: number, file: string, extra: { skip?: string; todo?: string } = {}): TestEvent => ({
  type: 'test:pass',
  data: { name, nesting, testNumber: 1, details: { duration_ms: 1 }, ...loc(file), ...extra },
});
const fail = (name: string, nesting: number, file: string, message: string): TestEvent => ({
  type: 'test:fail',
  data: {
    name,
    nesting,
    testNumber: 1,
    details: { duration_ms: 1, error: Object.assign(new Error('wrapped'), { cause: new TypeError(message) }) },
    ...loc(file),
  },
});

test('the reporter names each result by its full path and by the file the runner dequeued, not where it was declared', async () => {
  const lines = await report([
    dequeue('/s/a.test.js'),
    pass('child', 1, '/s/helper.js'),
    fail('grandchild', 2, '/s/a.test.js', 'boom\nsecond line'),
    fail('child two', 1, '/s/a.test.js', '1 subtest failed'),
    pass('parent', 0, '/s/a.test.js'),
    pass('skipped', 0, '/s/a.test.js', { skip: 'why' }),
    pass('later', 0, '/s/a.test.js', { todo: 'later' }),
    { type: 'test:stderr', data: { file: '/s/a.test.js', message: 'to stderr\n' } },
    dequeue('/s/b.test.js'),
    { type: 'test:diagnostic', data: { nesting: 0, message: 'Error: activity after the test ended', ...loc('/s/b.test.js') } },
    {
      type: 'test:fail',
      data: {
        name: '/s/b.test.js',
        nesting: 0,
        testNumber: 2,
        details: { duration_ms: 1, error: Object.assign(new Error('test failed'), { exitCode: 1, cause: new Error('exit') }) },
        ...loc('/s/b.test.js'),
      },
    },
    { type: 'test:diagnostic', data: { nesting: 0, message: 'tests 7' } },
  ]);
  const tests = lines.flatMap((l) => (l.kind === 'test' ? [`${l.file}: ${l.path.join(' > ')} = ${l.status}`] : []));
  assert.deepEqual(tests, [
    '/s/a.test.js: parent = pass',
    '/s/a.test.js: parent > child = pass',
    '/s/a.test.js: parent > child two = fail',
    '/s/a.test.js: parent > child two > grandchild = fail',
    '/s/a.test.js: skipped = skip',
    '/s/a.test.js: later = todo',
  ]);
  const grandchild = lines.find((l) => l.kind === 'test' && l.path.at(-1) === 'grandchild');
  assert.equal(grandchild?.kind === 'test' ? grandchild.error : undefined, 'TypeError: boom\nsecond line');
  assert.deepEqual(
    lines.filter((l) => l.kind !== 'test'),
    [
      { kind: 'output', file: '/s/a.test.js', stream: 'stderr', text: 'to stderr\n' },
      { kind: 'output', file: '/s/b.test.js', stream: 'diagnostic', text: 'Error: activity after the test ended\n' },
      { kind: 'file', file: '/s/b.test.js', error: 'test failed (exit code 1)' },
    ],
  );
});

function run(file: string, results: Record<string, Status>, errors: Record<string, string> = {}): FileRun {
  const records: TestRecord[] = Object.entries(results).map(([name, status]) => ({
    path: [name],
    status,
    suite: false,
    ...(errors[name] ? { error: errors[name] } : {}),
  }));
  return { file, tests: keyed(records), log: `${file}.log` };
}

const cases: Array<{
  name: string;
  plain: Record<string, Status>;
  preloaded: Record<string, Status>;
  differences?: Array<[string, Outcome, Outcome]>;
  flaky?: string[];
  failingBoth?: string[];
  fileDifference?: boolean;
}> = [
  { name: 'same results: nothing to say', plain: { a: 'pass', b: 'skip' }, preloaded: { a: 'pass', b: 'skip' } },
  { name: 'pass -> fail is a difference', plain: { a: 'pass' }, preloaded: { a: 'fail' }, differences: [['a', 'pass', 'fail']] },
  { name: 'skip -> pass is a difference', plain: { a: 'skip' }, preloaded: { a: 'pass' }, differences: [['a', 'skip', 'pass']] },
  { name: 'fail -> pass is flaky, not blamed', plain: { a: 'fail' }, preloaded: { a: 'pass' }, flaky: ['a'] },
  { name: 'fail in both is only counted', plain: { a: 'fail' }, preloaded: { a: 'fail' }, failingBoth: ['a'] },
  {
    name: 'a test missing under the preload is a difference',
    plain: { a: 'pass', b: 'pass' },
    preloaded: { a: 'pass' },
    differences: [['b', 'pass', 'missing']],
  },
  {
    name: 'a process that fails as a whole in one mode only is a difference',
    plain: { a: 'pass', [WHOLE_FILE]: 'pass' },
    preloaded: { a: 'pass', [WHOLE_FILE]: 'fail' },
    differences: [[WHOLE_FILE, 'pass', 'fail']],
  },
  {
    name: 'a file that reports no test in one mode is a file difference',
    plain: { a: 'pass', [WHOLE_FILE]: 'pass' },
    preloaded: { [WHOLE_FILE]: 'fail' },
    differences: [
      ['a', 'pass', 'missing'],
      [WHOLE_FILE, 'pass', 'fail'],
    ],
    fileDifference: true,
  },
];

for (const c of cases) {
  test(`compare: ${c.name}`, () => {
    const result = compare([run('x.test.js', c.plain)], [run('x.test.js', c.preloaded, { a: 'Error: boom' })], []);
    assert.deepEqual(
      result.differences.map((d) => [d.test, d.plain, d.preloaded]),
      c.differences ?? [],
    );
    assert.deepEqual(
      result.flaky.map((d) => d.test),
      c.flaky ?? [],
    );
    assert.deepEqual(
      result.failingBoth.map((d) => d.test),
      c.failingBoth ?? [],
    );
    assert.equal(result.fileDifferences.length, c.fileDifference ? 1 : 0);
  });
}

test('compare: a difference on the allow-list is reported with its reason and does not count; a stale entry is named', () => {
  const allow = [
    { file: 'x.test.js', test: 'a', reason: 'counts hooks' },
    { file: 'x.test.js', test: 'gone', reason: 'fixed since' },
    { file: 'not-run.test.js', test: 'b', reason: 'file not in this run' },
  ];
  const result = compare([run('x.test.js', { a: 'pass', gone: 'pass' })], [run('x.test.js', { a: 'fail', gone: 'pass' })], allow);
  assert.deepEqual(result.differences, []);
  assert.deepEqual(
    result.allowed.map((d) => [d.test, d.allowed]),
    [['a', 'counts hooks']],
  );
  assert.deepEqual(
    result.stale.map((e) => e.test),
    ['gone'],
  );
});

test('confirm: a difference that does not come back on the second run is flaky', () => {
  const first = compare([run('x.test.js', { a: 'pass', b: 'pass' })], [run('x.test.js', { a: 'fail', b: 'fail' })], []);
  const second = compare([run('x.test.js', { a: 'pass', b: 'pass' })], [run('x.test.js', { a: 'fail', b: 'pass' })], []);
  const result = confirm(first, second);
  assert.deepEqual(
    result.differences.map((d) => d.test),
    ['a'],
  );
  assert.deepEqual(
    result.flaky.map((d) => d.test),
    ['b'],
  );
});

test('keyed: repeated names are all kept, numbered in order', () => {
  const records: TestRecord[] = ['t', 't', 't'].map((name) => ({ path: ['parent', name], status: 'pass', suite: false }));
  assert.deepEqual([...keyed(records).keys()], ['parent > t', 'parent > t (#2)', 'parent > t (#3)']);
});

test('docs/compatibility.md lists the same allowed differences and excluded files as scripts/frameworks/fastify.ts', async () => {
  const path = join(ROOT, 'docs', 'compatibility.md');
  const doc = readFileSync(path, 'utf8');
  // Formatted as scripts/matrix.ts writes it.
  const section = await format(compatibilitySection(), { ...(await resolveConfig(path)), filepath: path });
  assert.ok(
    doc.includes(section.trim()),
    'the section differs: run `npm run test:matrix` (it writes it) or paste `compatibilitySection()` in',
  );
  for (const entry of ALLOWED) assert.ok(entry.reason.trim(), `${entry.file}: ${entry.test} has no reason`);
  for (const [file, reason] of EXCLUDED) assert.ok(reason.trim(), `${file} has no reason`);
});
