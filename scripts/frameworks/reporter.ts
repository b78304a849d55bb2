/**
 * A node:test reporter for `npm run test:frameworks`: one JSON line per test
 * (its file, its full name path, its result and the first lines of its
 * failure), and one per chunk of a file's own output, so the plain and the
 * preloaded run of a framework's test suite can be compared test by test.
 * Loaded by `node --test --test-concurrency=1` with
 * `--test-reporter=<this file's URL>` and `--test-reporter-destination=<file>`.
 * It runs in the runner's process only: a reporter module loaded into the test
 * file's own process delays its first test (Node 20 awaits the import), which
 * changes the result of Fastify tests that race `fastify.listen()`.
 *
 * A test's `file` is where it was declared (Fastify declares many in
 * test/helper.js), so the file a result belongs to is the one the runner
 * dequeued last; with one file at a time, its results follow.
 *
 * node:test reports a test's result after its subtests' (the order the TAP
 * reporter prints), so the names of the enclosing tests are only known when
 * they finish: results wait per file in `pending` until their parent's arrives.
 * When a file's process fails outside any test (it crashed, exited non-zero,
 * or outlived `--test-timeout`), the runner reports a failure named after the
 * file itself: that is a `file` line.
 */
import type { TestEvent } from 'node:test/reporters';

export type Status = 'pass' | 'fail' | 'skip' | 'todo';

export interface TestRecord {
  /** Names from the top-level test down to this one. */
  readonly path: string[];
  readonly status: Status;
  /** A suite (`describe`) rather than a test. */
  readonly suite: boolean;
  /** The first lines of the failure, for `fail` only. */
  readonly error?: string;
}

export type Line =
  | ({ readonly kind: 'test'; readonly file: string } & TestRecord)
  | { readonly kind: 'file'; readonly file: string; readonly error: string }
  | { readonly kind: 'done'; readonly file: string; readonly seconds: number }
  | { readonly kind: 'output'; readonly file: string; readonly stream: 'stdout' | 'stderr' | 'diagnostic'; readonly text: string };

type Result = Extract<TestEvent, { type: 'test:pass' | 'test:fail' }>;

function statusOf(event: Result): Status {
  if (event.data.todo !== undefined && event.data.todo !== false) return 'todo';
  if (event.data.skip !== undefined && event.data.skip !== false) return 'skip';
  return event.type === 'test:pass' ? 'pass' : 'fail';
}

/** The error the test threw (node:test wraps it in ERR_TEST_FAILURE), as a few lines. */
function describeFailure(error: unknown): string {
  const wrapped = error as { cause?: unknown } | undefined;
  const cause = wrapped?.cause ?? wrapped;
  const name = cause instanceof Error ? cause.name : 'Error';
  const message = cause instanceof Error ? cause.message : String((cause as { message?: unknown } | undefined)?.message ?? cause);
  const lines = message
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(0, 8);
  return `${name}: ${lines.join('\n')}`;
}

/** The runner's failure of a whole file, with how its process ended. */
function describeFileFailure(error: unknown): string {
  const e = error as { message?: unknown; exitCode?: unknown; signal?: unknown } | undefined;
  const ended = typeof e?.signal === 'string' ? `signal ${e.signal}` : typeof e?.exitCode === 'number' ? `exit code ${e.exitCode}` : '';
  return `${String(e?.message ?? 'failed')}${ended ? ` (${ended})` : ''}`;
}

/** The runner's closing counts (`tests 12`, `duration_ms 3.4`): not about any one file. */
const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/;

const line = (l: Line): string => `${JSON.stringify(l)}\n`;

/** The test file, when the event is about the runner's test of a whole file (named by its path). */
function wholeFile(event: TestEvent): string | undefined {
  if (event.type !== 'test:dequeue' && event.type !== 'test:complete' && event.type !== 'test:pass' && event.type !== 'test:fail')
    return undefined;
  const { name, nesting, file } = event.data;
  return nesting === 0 && file !== undefined && name === file ? file : undefined;
}

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string, void> {
  const pending = new Map<string, Array<{ nesting: number; record: TestRecord }>>();
  let current = '';
  for await (const event of source) {
    const whole = wholeFile(event);
    if (event.type === 'test:dequeue' && whole) {
      current = whole;
      continue;
    }
    if (event.type === 'test:complete' && whole) {
      yield line({ kind: 'done', file: whole, seconds: event.data.details.duration_ms / 1000 });
      continue;
    }
    if (event.type === 'test:stdout' || event.type === 'test:stderr') {
      const stream = event.type === 'test:stdout' ? 'stdout' : 'stderr';
      if (event.data.file) yield line({ kind: 'output', file: event.data.file, stream, text: event.data.message });
      continue;
    }
    // Such as "generated asynchronous activity after the test ended": said once, by the runner, about the current file.
    if (event.type === 'test:diagnostic') {
      if (current && !SUMMARY.test(event.data.message))
        yield line({ kind: 'output', file: current, stream: 'diagnostic', text: `${event.data.message}\n` });
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (whole) {
      if (event.type === 'test:fail') yield line({ kind: 'file', file: whole, error: describeFileFailure(event.data.details.error) });
      continue;
    }
    const { name, nesting, details } = event.data;
    const file = current;
    const status = statusOf(event);
    const waiting = pending.get(file) ?? [];
    const children = waiting.filter((p) => p.nesting > nesting);
    const rest = waiting.filter((p) => p.nesting <= nesting);
    const own: TestRecord = {
      path: [name],
      status,
      suite: details.type === 'suite',
      ...(event.type === 'test:fail' && status === 'fail' ? { error: describeFailure(event.data.details.error) } : {}),
    };
    const records = [own, ...children.map((c) => ({ ...c.record, path: [name, ...c.record.path] }))];
    if (nesting === 0) {
      for (const record of records) yield line({ kind: 'test', file, ...record });
      pending.set(file, rest);
    } else {
      pending.set(file, [...rest, ...records.map((record) => ({ nesting, record }))]);
    }
  }
  // Subtests whose parent never reported (a crash mid-file) still count.
  for (const [file, waiting] of pending) for (const p of waiting) yield line({ kind: 'test', file, ...p.record });
}
