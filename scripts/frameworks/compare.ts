/**
 * The comparison behind `npm run test:frameworks`: one framework test file
 * run plain and run under the preload, test by test. Pure, so its rules are
 * unit-tested (test/fastify-suite.test.ts):
 *
 * - a test whose result changed is a difference, unless it failed in the plain
 *   run: then the preload is not to blame and it is reported as flaky;
 * - a test that failed in both runs is no difference, only counted;
 * - a test that is missing from one run (its file crashed, or stopped early) is
 *   a difference too, and so is a file whose process failed outside any test
 *   (`WHOLE_FILE`) in one run only;
 * - a file that reported tests in one mode and none in the other is a file
 *   difference;
 * - differences on the allow-list are reported, and do not fail the run.
 */
import type { AllowEntry } from './fastify.js';
import type { Status, TestRecord } from './reporter.js';

export type Mode = 'plain' | 'preloaded';

/** One framework test file's results in one mode. */
export interface FileRun {
  /** Relative to the framework's test folder, with `/`. */
  readonly file: string;
  /**
   * By test key (see `keyed`), in reporting order, and under `WHOLE_FILE` the
   * process itself: `fail` when it crashed, exited non-zero or timed out
   * outside any test.
   */
  readonly tests: ReadonlyMap<string, TestRecord>;
  /** Where its own stdout and stderr were kept. */
  readonly log: string;
}

/** The key of the file's process as a whole, compared like a test. */
export const WHOLE_FILE = '(whole file)';

export type Outcome = Status | 'missing';

export interface Difference {
  readonly file: string;
  readonly test: string;
  readonly plain: Outcome;
  readonly preloaded: Outcome;
  /** The first lines of the failure in the run where the test failed. */
  readonly error: string | undefined;
  /** Set when the allow-list excuses it. */
  readonly allowed?: string;
}

export interface FileDifference {
  readonly file: string;
  readonly plain: string;
  readonly preloaded: string;
}

export interface Comparison {
  readonly differences: Difference[];
  readonly allowed: Difference[];
  readonly fileDifferences: FileDifference[];
  /** Failed in the plain run, or did not differ again on a second run: the preload is not to blame. */
  readonly flaky: Difference[];
  /** File differences a second run did not reproduce. */
  readonly flakyFiles: FileDifference[];
  readonly failingBoth: Array<{ file: string; test: string }>;
  /** Allow-list entries that no longer differ: remove them. */
  readonly stale: AllowEntry[];
  /** Tests compared (the union of both runs' keys). */
  readonly compared: number;
}

/**
 * The key of each record: its name path joined with ` > `, and ` (#2)`, ` (#3)`
 * for repeated names, so two tests with one name are both compared.
 */
export function keyed(records: readonly TestRecord[]): Map<string, TestRecord> {
  const out = new Map<string, TestRecord>();
  for (const record of records) {
    const base = record.path.join(' > ');
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base} (#${n})`;
    out.set(key, record);
  }
  return out;
}

/** Whether the file ran, as a short phrase; equal phrases mean the file behaved alike. */
export function fileOutcome(run: FileRun): string {
  const tests = [...run.tests.keys()].filter((k) => k !== WHOLE_FILE).length;
  const process = run.tests.get(WHOLE_FILE);
  if (tests > 0) return 'ran';
  return process?.status === 'fail' ? `reported no test (${(process.error ?? '').split('\n')[0]})` : 'reported no test';
}

interface FileComparison {
  readonly changed: Difference[];
  readonly failingBoth: Array<{ file: string; test: string }>;
  readonly compared: number;
  readonly fileDifference: FileDifference | undefined;
}

function compareFile(plain: FileRun, preloaded: FileRun): FileComparison {
  const keys = new Set([...plain.tests.keys(), ...preloaded.tests.keys()]);
  const changed: Difference[] = [];
  const failingBoth: Array<{ file: string; test: string }> = [];
  for (const test of keys) {
    const a = plain.tests.get(test);
    const b = preloaded.tests.get(test);
    const p: Outcome = a?.status ?? 'missing';
    const q: Outcome = b?.status ?? 'missing';
    if (p === 'fail' && q === 'fail') failingBoth.push({ file: plain.file, test });
    else if (p !== q) changed.push({ file: plain.file, test, plain: p, preloaded: q, error: b?.error ?? a?.error });
  }
  const a = fileOutcome(plain);
  const b = fileOutcome(preloaded);
  const fileDifference = (a === 'ran') !== (b === 'ran') ? { file: plain.file, plain: a, preloaded: b } : undefined;
  return { changed, failingBoth, compared: keys.size, fileDifference };
}

const sameTest =
  (a: { file: string; test: string }) =>
  (b: { file: string; test: string }): boolean =>
    a.file === b.file && a.test === b.test;

/** Compares two runs of the same files; `allow` excuses known differences. */
export function compare(plain: readonly FileRun[], preloaded: readonly FileRun[], allow: readonly AllowEntry[]): Comparison {
  const twins = new Map(preloaded.map((r) => [r.file, r]));
  const changed: Difference[] = [];
  const failingBoth: Array<{ file: string; test: string }> = [];
  const fileDifferences: FileDifference[] = [];
  let compared = 0;
  for (const run of plain) {
    const twin = twins.get(run.file);
    if (!twin) {
      fileDifferences.push({ file: run.file, plain: fileOutcome(run), preloaded: 'not run' });
      continue;
    }
    const c = compareFile(run, twin);
    changed.push(...c.changed);
    failingBoth.push(...c.failingBoth);
    if (c.fileDifference) fileDifferences.push(c.fileDifference);
    compared += c.compared;
  }
  const excuse = (d: Difference): AllowEntry | undefined => allow.find(sameTest(d));
  const blamed = changed.filter((d) => d.plain !== 'fail');
  return {
    differences: blamed.filter((d) => !excuse(d)),
    allowed: blamed.flatMap((d) => {
      const entry = excuse(d);
      return entry ? [{ ...d, allowed: entry.reason }] : [];
    }),
    fileDifferences,
    flaky: changed.filter((d) => d.plain === 'fail'),
    flakyFiles: [],
    failingBoth,
    stale: allow.filter((e) => plain.some((r) => r.file === e.file) && !blamed.some(sameTest(e))),
    compared,
  };
}

/**
 * Keeps what a second run of the same files reproduced. Differences that did
 * not come back, and tests that failed in the second plain run, are flaky.
 */
export function confirm(first: Comparison, second: Comparison): Comparison {
  const flaky = [...first.flaky];
  for (const d of [...first.differences.filter((d) => !second.differences.some(sameTest(d))), ...second.flaky]) {
    if (!flaky.some(sameTest(d))) flaky.push(d);
  }
  const reproducedFile = (d: FileDifference): boolean => second.fileDifferences.some((e) => e.file === d.file);
  return {
    ...first,
    differences: first.differences.filter((d) => second.differences.some(sameTest(d))),
    fileDifferences: first.fileDifferences.filter(reproducedFile),
    flaky,
    flakyFiles: first.fileDifferences.filter((d) => !reproducedFile(d)),
  };
}
