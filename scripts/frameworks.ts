/**
 * `npm run test:frameworks`: Fastify's own test suite, plain and under the
 * preload, compared test by test (policy and doc: scripts/frameworks/fastify.ts).
 *
 * Each mode runs the files through `node --test`, as Fastify's own runner
 * (borp, on node:test's `run()`) does: every file is its own process and
 * reports through node:test's built-in channel to the runner, where our
 * reporter (scripts/frameworks/reporter.ts) runs. A runner takes a chunk of
 * files one at a time (so each result is known to belong to the file the
 * runner dequeued), and two runners work at once.
 * The preload is loaded as in an app: `NODE_OPTIONS="--import
 * @org/sentry-register"`, resolved from test/fixtures through node_modules and
 * the package's `exports` (linkPackage), with `SENTRY_DSN` aimed at a local
 * sink. The runner processes inherit the preload too; they run no Fastify code.
 * Differences are run a second time before they are blamed on the preload.
 *
 * `node dist/scripts/frameworks.js [--selection] [filter...]`: every file (CI
 * runs them all: about 7 minutes here), or with `--selection` only the files
 * where the preload meets Fastify, and only the files whose path contains one
 * of the filters (e.g. `hooks 404s diagnostics-channel/`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSink } from '../test/support/sink.js';
import { FIXTURES, linkPackage, PACKAGE } from '../test/support/runner.js';
import { compare, confirm, keyed, WHOLE_FILE } from './frameworks/compare.js';
import type { Comparison, FileRun, Mode } from './frameworks/compare.js';
import { ALLOWED, EXCLUDED, SELECTION } from './frameworks/fastify.js';
import { formatReport, formatSeconds } from './frameworks/report.js';
import type { ModeSummary } from './frameworks/report.js';
import type { Line, TestRecord } from './frameworks/reporter.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUITE = join(ROOT, 'node_modules', 'fastify', 'test');
const OUT = join(ROOT, 'dist', 'frameworks');
const REPORTER = pathToFileURL(join(ROOT, 'dist', 'scripts', 'frameworks', 'reporter.js')).href;
const CONCURRENCY = 2;
/** Files per runner: each runner process pays the preload's startup once. */
const CHUNK = 20;
/**
 * Per test, and per file process (node:test applies it to both), as borp's
 * default. The slowest selected file takes 11 s plain and 14 s preloaded here.
 */
const TEST_TIMEOUT_MS = 30_000;
/** A runner still going after this is killed; its unfinished files report no test. */
const RUN_TIMEOUT_MS = 10 * 60_000;
/** The preload's startup line (src/sdk/process.ts), proof that it really ran in a preloaded process. */
const STARTED = '[sentry-register] Sentry initialized';

/**
 * Fastify's test files (as its own runner, borp, picks them) minus EXCLUDED:
 * every one, or with `--selection` the SELECTION; narrowed by substring filters.
 */
function suiteFiles(args: readonly string[]): string[] {
  const all = !args.includes('--selection');
  const filters = args.filter((a) => a !== '--selection');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() && e.name !== 'node_modules' ? walk(join(dir, e.name)) : /\.test\.m?js$/.test(e.name) ? [join(dir, e.name)] : [],
    );
  return walk(SUITE)
    .map((f) => relative(SUITE, f).split('\\').join('/'))
    .filter((f) => !EXCLUDED.has(f) && (all || SELECTION.some((s) => s.files.test(f))))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
}

/** The caller's environment without anything that would steer the child: the runner's, ours, OTel's. */
function childEnv(mode: Mode, dsn: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  delete env['NODE_OPTIONS'];
  for (const key of Object.keys(env)) if (key.startsWith('SENTRY_') || key.startsWith('OTEL_')) delete env[key];
  if (mode === 'preloaded') Object.assign(env, { NODE_OPTIONS: `--import ${PACKAGE}`, SENTRY_DSN: dsn });
  return env;
}

interface Ran extends FileRun {
  readonly preloadStarted: boolean;
}

interface ModeRun extends ModeSummary {
  readonly runs: Ran[];
}

/** One node:test runner over `files`, one file at a time, in its own process group, killed after RUN_TIMEOUT_MS. */
async function runRunner(files: readonly string[], mode: Mode, dsn: string, dir: string, n: number): Promise<Line[]> {
  const results = join(dir, `runner-${n}.jsonl`);
  const fd = openSync(join(dir, `runner-${n}.log`), 'w');
  const args = [
    '--test',
    '--test-concurrency=1',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    `--test-reporter=${REPORTER}`,
    `--test-reporter-destination=${results}`,
    ...files.map((f) => join(SUITE, f)),
  ];
  const child = spawn(process.execPath, args, { cwd: FIXTURES, env: childEnv(mode, dsn), stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  // Fastify's tests start servers and processes of their own; the group goes with the runner.
  const killGroup = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(killGroup, RUN_TIMEOUT_MS);
  await once(child, 'exit');
  clearTimeout(timer);
  killGroup();
  if (!existsSync(results)) return [];
  return readFileSync(results, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

/** The runner's lines for one file as a FileRun, its output written to its own log. */
function fileRun(file: string, lines: readonly Line[], dir: string): Ran {
  const mine = lines.filter((l) => l.file === join(SUITE, file));
  const output = mine.flatMap((l) => (l.kind === 'output' ? [l.text] : [])).join('');
  const log = join(dir, `${file.replace(/\//g, '__')}.log`);
  writeFileSync(log, output);
  const records: TestRecord[] = mine.flatMap((l) =>
    l.kind === 'test' ? [{ path: l.path, status: l.status, suite: l.suite, ...(l.error ? { error: l.error } : {}) }] : [],
  );
  const tests = keyed(records);
  const failed = mine.find((l) => l.kind === 'file');
  if (failed) {
    // What the runner said about the file, else its last words; not the preload's startup line.
    const said = mine.flatMap((l) => (l.kind === 'output' && l.stream === 'diagnostic' ? [l.text] : []));
    const last = output.split('\n').filter((l) => l.trim() && !l.startsWith(STARTED));
    const tail = (said.length ? said : last.slice(-3)).join('\n').trim();
    tests.set(WHOLE_FILE, { path: [WHOLE_FILE], status: 'fail', suite: false, error: `${failed.error}${tail ? `\n${tail}` : ''}` });
  } else if (mine.length) {
    tests.set(WHOLE_FILE, { path: [WHOLE_FILE], status: 'pass', suite: false });
  }
  return { file, tests, log, preloadStarted: output.includes(STARTED) };
}

/** All files in one mode: chunks of CHUNK files, CONCURRENCY runners at a time, a dot per chunk. */
async function runMode(files: readonly string[], mode: Mode, dsn: string, label: string): Promise<ModeRun> {
  const dir = join(OUT, label.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, ''));
  mkdirSync(dir, { recursive: true });
  const chunks = Array.from({ length: Math.ceil(files.length / CHUNK) }, (_, i) => files.slice(i * CHUNK, (i + 1) * CHUNK));
  process.stdout.write(`${label}: ${files.length} files `);
  const started = Date.now();
  const lines: Line[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const n = next++;
      lines.push(...(await runRunner(chunks[n] ?? [], mode, dsn, dir, n)));
      process.stdout.write('.');
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(` ${formatSeconds(seconds)}\n`);
  return { label, runs: files.map((f) => fileRun(f, lines, dir)), seconds };
}

/** Both modes over `files`; with `round` > 1 the output goes to its own folders. */
async function runBoth(files: readonly string[], dsn: string, round: number): Promise<[ModeRun, ModeRun]> {
  const suffix = round > 1 ? ` (run ${round})` : '';
  const plain = await runMode(files, 'plain', dsn, `plain${suffix}`);
  const preloaded = await runMode(files, 'preloaded', dsn, `preloaded${suffix}`);
  return [plain, preloaded];
}

function needsSecondRun(c: Comparison): string[] {
  return [...new Set([...c.differences.map((d) => d.file), ...c.fileDifferences.map((f) => f.file)])].sort();
}

/** Files whose process did not load the preload as the mode says: it must start in every preloaded one, and in no plain one. */
function preloadMismatches(plain: ModeRun, preloaded: ModeRun): string[] {
  const wrong = (r: Ran, why: string): string => `${r.file}: ${why} (${relative(ROOT, r.log)})`;
  return [
    ...preloaded.runs.filter((r) => !r.preloadStarted).map((r) => wrong(r, 'preloaded, but the preload did not start')),
    ...plain.runs.filter((r) => r.preloadStarted).map((r) => wrong(r, 'plain, but the preload started')),
  ];
}

async function main(): Promise<number> {
  const files = suiteFiles(process.argv.slice(2));
  if (files.length === 0) throw new Error(`no test files under ${relative(ROOT, SUITE)} match ${process.argv.slice(2).join(' ')}`);
  const version = (JSON.parse(readFileSync(join(SUITE, '..', 'package.json'), 'utf8')) as { version: string }).version;
  process.stdout.write(`Fastify ${version}'s own test files, plain and with NODE_OPTIONS="--import ${PACKAGE}" and SENTRY_DSN set\n`);
  linkPackage();
  rmSync(OUT, { recursive: true, force: true });
  const sink = await startSink();
  try {
    const [plain, preloaded] = await runBoth(files, sink.dsn, 1);
    let comparison = compare(plain.runs, preloaded.runs, ALLOWED);
    const again = needsSecondRun(comparison);
    if (again.length) {
      process.stdout.write(`running the ${again.length} file(s) with differences again\n`);
      const [plain2, preloaded2] = await runBoth(again, sink.dsn, 2);
      comparison = confirm(comparison, compare(plain2.runs, preloaded2.runs, ALLOWED));
    }
    const mismatches = preloadMismatches(plain, preloaded);
    process.stdout.write(`\n${formatReport([plain, preloaded], comparison, mismatches)}\n\n`);
    process.stdout.write(
      `the sink received ${sink.requests.length} requests from the preloaded runs (${sink.events().length} error events)\n`,
    );
    process.stdout.write(`logs and per-test results: ${relative(ROOT, OUT)}/\n`);
    writeFileSync(join(OUT, 'comparison.json'), `${JSON.stringify(comparison, null, 2)}\n`);
    const failed = comparison.differences.length + comparison.fileDifferences.length + mismatches.length;
    process.stdout.write(failed ? `test:frameworks: FAIL (${failed} difference(s) not on the allow-list)\n` : 'test:frameworks: ok\n');
    return failed ? 1 : 0;
  } finally {
    await sink.close();
  }
}

process.exitCode = await main().catch((err: unknown) => {
  process.stderr.write(`test:frameworks: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
});
