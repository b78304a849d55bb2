/**
 * The compatibility matrix (`npm run test:matrix`): the integration suite under
 * each supported Node line, as a pass/fail grid on stdout and in
 * docs/compatibility.md. Exits 1 if any cell fails.
 *
 * The test runner runs under the Node being tested, and the fixtures are
 * spawned with its `process.execPath` (test/support/runner.ts), so the
 * apps run on that Node too. Node 20 is the Node running this script; the
 * others are the official binaries from npm, pinned in scripts/nodes (kept
 * out of the root package: each links a `node` bin that would shadow the
 * system node in every npm script).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { compatibilitySection } from './frameworks/fastify.js';
import { nodesUnderTest, versionOf } from './nodes.js';
import type { NodeBinary } from './nodes.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUITE_DIR = join(ROOT, 'dist', 'test', 'integration');
const LOG_DIR = join(ROOT, 'dist', 'matrix');
const DOC = join(ROOT, 'docs', 'compatibility.md');
const COMMAND = 'npm run test:matrix';

type Outcome = 'pass' | 'fail' | 'skip';

interface Result {
  readonly node: NodeBinary;
  readonly version: string;
  readonly seconds: number;
  readonly exitCode: number | null;
  /** Test name to outcome, in TAP order. */
  readonly tests: Map<string, Outcome>;
  /** Test name to the first lines of its failure. */
  readonly errors: Map<string, string>;
  readonly log: string;
}

/** Runs the integration suite under one Node and parses its TAP. */
async function runSuite(node: NodeBinary, files: readonly string[]): Promise<Result> {
  const version = versionOf(node.bin) ?? 'unknown';
  const started = Date.now();
  // NODE_OPTIONS from the caller would reach every Node; the suite sets its own per fixture.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  const child = spawn(node.bin, ['--test', '--test-concurrency=2', '--test-reporter=tap', ...files], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const seconds = (Date.now() - started) / 1000;
  mkdirSync(LOG_DIR, { recursive: true });
  const log = join(LOG_DIR, `node${node.label}.tap`);
  writeFileSync(log, out);
  return { node, version, seconds, exitCode, ...parseTap(out), log };
}

/** Top-level `ok N - name` / `not ok N - name` lines, and the `error:` block under each failure. */
function parseTap(tap: string): { tests: Map<string, Outcome>; errors: Map<string, string> } {
  const tests = new Map<string, Outcome>();
  const errors = new Map<string, string>();
  const lines = tap.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(not )?ok \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(lines[i] ?? '');
    if (!m) continue;
    const name = (m[2] ?? '').replace(/\\#/g, '#');
    tests.set(name, m[3] ? 'skip' : m[1] ? 'fail' : 'pass');
    if (!m[1]) continue;
    // The YAML block that follows: keep the first lines of `error: |-`.
    const detail: string[] = [];
    for (let j = i + 1; j < lines.length && !/^(not )?ok \d+ /.test(lines[j] ?? ''); j++) {
      const line = lines[j] ?? '';
      if (/^\s+error: /.test(line)) {
        detail.push(line.replace(/^\s+error: (\|-)?/, '').trim());
        for (let k = j + 1; k < lines.length && detail.length < 6; k++) {
          const more = lines[k] ?? '';
          if (/^\s{2}\S+:/.test(more) && !/^\s{4}/.test(more)) break;
          if (more.trim()) detail.push(more.trim());
        }
        break;
      }
    }
    errors.set(name, detail.filter(Boolean).join(' ').slice(0, 400));
  }
  return { tests, errors };
}

const VARIANT = / \[(mjs|cjs), (--import|NODE_OPTIONS)\]$/;

interface Row {
  readonly name: string;
  /** Per Node label: passed, failed and skipped variants, and the failing variants. */
  readonly cells: Map<string, { pass: number; fail: number; skip: number; failing: string[] }>;
}

/** Folds the `[format, mode]` variants of a test into one row; a test missing under some Node fails there. */
function grid(results: readonly Result[]): Row[] {
  const rows = new Map<string, Row>();
  const allNames = new Set(results.flatMap((r) => [...r.tests.keys()]));
  for (const name of allNames) {
    const base = name.replace(VARIANT, '');
    const variant = VARIANT.exec(name)?.slice(1).join(' ') ?? '';
    const row = rows.get(base) ?? { name: base, cells: new Map() };
    rows.set(base, row);
    for (const r of results) {
      const cell = row.cells.get(r.node.label) ?? { pass: 0, fail: 0, skip: 0, failing: [] };
      row.cells.set(r.node.label, cell);
      const outcome = r.tests.get(name) ?? 'fail';
      cell[outcome]++;
      if (outcome === 'fail') cell.failing.push(variant || 'failed');
    }
  }
  return [...rows.values()];
}

function cellText(cell: { pass: number; fail: number; skip: number; failing: string[] } | undefined): string {
  if (!cell) return '–';
  const total = cell.pass + cell.fail + cell.skip;
  if (cell.fail > 0) return `FAIL ${cell.pass}/${total} (${cell.failing.join('; ')})`;
  return total === 1 ? 'pass' : `pass ${cell.pass}/${total}`;
}

/** Rows by the fixture's framework, then a format × load-mode summary. */
function markdown(results: readonly Result[], date: string): string {
  const rows = grid(results);
  const header = `| Test | ${results.map((r) => `Node ${r.version.replace(/^v/, '')}`).join(' | ')} |`;
  const rule = `| --- | ${results.map(() => '---').join(' | ')} |`;
  const groups: Array<[string, (name: string) => boolean]> = [
    ['Express 5', (n) => /express/i.test(n)],
    ['Fastify 5', (n) => /fastify/i.test(n)],
    ['node:http, outgoing http/fetch, lifecycle', () => true],
  ];
  const seen = new Set<string>();
  const sections = groups.map(([title, match]) => {
    const mine = rows.filter((r) => !seen.has(r.name) && match(r.name));
    for (const r of mine) seen.add(r.name);
    const body = mine.map(
      (r) => `| ${r.name.replace(/\|/g, '\\|')} | ${results.map((x) => cellText(r.cells.get(x.node.label))).join(' | ')} |`,
    );
    return [`### ${title}`, '', header, rule, ...body].join('\n');
  });

  const variants = ['mjs --import', 'mjs NODE_OPTIONS', 'cjs --import', 'cjs NODE_OPTIONS'];
  const byVariant = variants.map((v) => {
    const cells = results.map((r) => {
      const names = [...r.tests.keys()].filter((n) => VARIANT.exec(n)?.slice(1).join(' ') === v);
      const failed = names.filter((n) => r.tests.get(n) === 'fail').length;
      return failed ? `FAIL ${names.length - failed}/${names.length}` : `pass ${names.length}/${names.length}`;
    });
    const [format, mode] = v.split(' ');
    return `| ${format === 'mjs' ? 'ESM' : 'CommonJS'}, \`${mode}\` | ${cells.join(' | ')} |`;
  });

  const totals = results.map((r) => {
    const all = [...r.tests.values()];
    const failed = all.filter((o) => o === 'fail').length;
    return `| Node ${r.version} | ${all.length - failed}/${all.length} | ${failed} | ${r.exitCode} | ${formatSeconds(r.seconds)} |`;
  });

  const failures = results.flatMap((r) =>
    [...r.errors].map(([name, error]) => `- **Node ${r.version}**, ${name}: ${error || 'see the TAP log'}`),
  );
  const crashed = results.filter((r) => r.exitCode !== 0 && ![...r.tests.values()].includes('fail'));

  return [
    '# Compatibility',
    '',
    `<!-- Written by \`${COMMAND}\` (scripts/matrix.ts); edit the notes there, not here. -->`,
    '',
    `The integration suite (\`dist/test/integration/*.test.js\`: every fixture app under ESM and CommonJS, loaded with`,
    '`--import` and with `NODE_OPTIONS`, against the local Sentry-protocol sink) run under each Node line.',
    '',
    `- Command: \`${COMMAND}\` (after \`npm ci\`; it builds, then runs \`node --test --test-concurrency=2 --test-reporter=tap dist/test/integration/*.test.js\` under each Node)`,
    `- Date: ${date}, on ${process.platform}-${process.arch}`,
    `- Node: ${results.map((r) => `${r.version} (${r.node.bin === process.execPath ? 'the Node running npm' : relative(ROOT, r.node.bin)})`).join(', ')}`,
    `- Result: ${failures.length === 0 && crashed.length === 0 ? 'every cell passes' : `${failures.length} failing test(s)${crashed.length ? `; the runner exited non-zero under ${crashed.map((r) => r.version).join(', ')}` : ''}`}`,
    '',
    'A cell counts the `[format, load mode]` variants of the test that passed under that Node.',
    '',
    '## Totals',
    '',
    '| Node | Passed | Failed | Runner exit code | Time |',
    '| --- | --- | --- | --- | --- |',
    ...totals,
    '',
    '## By module system and load mode',
    '',
    `| Variant | ${results.map((r) => `Node ${r.version.replace(/^v/, '')}`).join(' | ')} |`,
    rule,
    ...byVariant,
    '',
    '## By test',
    '',
    sections.join('\n\n'),
    '',
    '## Failures',
    '',
    failures.length ? failures.join('\n') : 'None.',
    '',
    // Not measured here: the policy of `npm run test:frameworks`, kept with its list.
    compatibilitySection(),
    '',
    NOTES,
  ].join('\n');
}

/** What the grid cannot say by itself. */
const NOTES = `## Notes

- **Node 26 and \`module.register\` (DEP0205).** Node 26 deprecates \`module.register()\` at runtime
  (nodejs/node#62401). Where import-in-the-middle's \`supportsSyncHooks()\` is true (Node 22.22.3 or later, 24.11.1 or later,
  >= 26) the preload runs its ESM loader in-thread through \`module.registerHooks()\`
  (\`import-in-the-middle/register-hooks.mjs\`); on Node 20 it keeps \`module.register()\`. The test "the preload
  prints no deprecation warning" fails on any deprecation warning, read from stderr and from
  \`--redirect-warnings\`: in our runs Node did not print the DEP0205 emitted while the SDK starts, but redirected it.
- **ESM named imports of \`node:http\` on the synchronous loader.** With \`module.registerHooks()\`,
  import-in-the-middle 3.6 reads a builtin's export names through \`process.getBuiltinModule()\` on the app's thread,
  which require-in-the-middle intercepts. OTel's instrumentation-http 0.223 then patches the CommonJS \`node:http\`
  object first and, guarding against patching twice (\`_httpPatched\`), skips the ESM namespace: \`import { request }
  from 'node:http'\` went untraced on Node 22, 24 and 26 (the asynchronous loader reads exports on its own thread, so
  Node 20 was fine). The preload now adds a hook, run after OTel's, that gives the app's ESM view of each hooked
  builtin the functions OTel patched on the CommonJS object (src/sdk/hooks.ts). \`module.syncBuiltinESMExports()\` is not
  used: it would also patch modules imported before the preload, such as Sentry's transport, whose uploads would then
  be traced (Sentry's \`suppressTracing\` does not reach OTel's context here).
- **\`npm run\` under NODE_OPTIONS.** That test puts the Node being tested first on PATH, so npm and the job run on it.
- **Node 20 column.** It is the Node that runs \`npm run test:matrix\` (\`process.execPath\`); CI's is Node 20.
- **The header of a crash report.** After capturing an uncaught error and flushing, the preload hands the error back to
  Node from a microtask, so Node reports it and picks the exit code. Node places the report's \`file:line\` header afresh:
  at the error's first frame while its stack is unformatted, else in Node's task queue
  (\`node:internal/process/task_queues\`). Capturing reads \`error.stack\`, and V8 keeps no call sites once a stack is
  formatted, so a captured crash's header names Node's task queue instead of the throw site (Node 20, 22, 24 and 26 alike).
  The stack, the message, the exit code and the rest of the report are Node's; a request handler's stack has three frames of ours (the request isolation and the sampling gate) between the server and the handler, two fewer than before.
`;

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

async function main(): Promise<number> {
  const nodes = nodesUnderTest();
  const files = readdirSync(SUITE_DIR)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => relative(ROOT, join(SUITE_DIR, f)));
  if (files.length === 0) throw new Error(`no tests in ${SUITE_DIR}; run npm run build first`);

  const results: Result[] = [];
  for (const node of nodes) {
    process.stdout.write(`Node ${node.label}: running ${files.length} files... `);
    const r = await runSuite(node, files);
    const failed = [...r.tests.values()].filter((o) => o === 'fail').length;
    process.stdout.write(
      `${r.version}: ${r.tests.size - failed}/${r.tests.size} passed in ${formatSeconds(r.seconds)} (TAP: ${relative(ROOT, r.log)})\n`,
    );
    results.push(r);
  }

  const date = new Date().toISOString().slice(0, 10);
  const text = markdown(results, date);
  const options = (await resolveConfig(DOC)) ?? {};
  const pretty = await format(text, { ...options, filepath: DOC });
  writeFileSync(DOC, pretty);
  process.stdout.write(`\n${pretty.slice(pretty.indexOf('## Totals'), pretty.indexOf('## Notes')).trim()}\n\n`);
  process.stdout.write(`written: ${relative(ROOT, DOC)}\n`);

  const counts = results.map((r) => r.tests.size);
  const bad =
    results.some((r) => r.exitCode !== 0 || [...r.tests.values()].includes('fail')) || counts.some((c) => c === 0 || c !== counts[0]);
  return bad ? 1 : 0;
}

process.exitCode = await main().catch((err: unknown) => {
  process.stderr.write(`test:matrix: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
});
