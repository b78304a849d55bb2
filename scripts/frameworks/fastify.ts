/**
 * What `npm run test:frameworks` runs of Fastify's own suite, and what it
 * forgives: the files it leaves out and the tests allowed to differ under the
 * preload, each with its reason. The same lists are printed in
 * docs/compatibility.md (scripts/matrix.ts writes `compatibilitySection()`
 * there, and test/fastify-suite.test.ts checks the two agree).
 */

export interface AllowEntry {
  /** Relative to Fastify's test folder, e.g. `hooks.test.js`. */
  readonly file: string;
  /** The test's name path, joined with ` > ` (as the report prints it). */
  readonly test: string;
  readonly reason: string;
}

/**
 * Tests allowed to give another result under the preload. Only for tests that
 * count Fastify's internal hook arrays or print them (a subscriber of ours is
 * one more entry there); every other difference is a bug of ours.
 */
export const ALLOWED: readonly AllowEntry[] = [];

/**
 * The files `--selection` runs, by theme: where the preload meets Fastify
 * (its hooks, not-found and error handling, `reply`, routes and `onRoute`, the
 * diagnostics channels it subscribes to, and the async context its
 * per-request isolation rides on). By default, and in CI, every file runs:
 * about 7 minutes here in both modes.
 */
export const SELECTION: ReadonlyArray<{ readonly theme: string; readonly files: RegExp; readonly shown: string }> = [
  { theme: 'hooks, `onRoute` and hook printing', files: /hook|(^|\/)pretty-print\./, shown: '`*hook*`, `pretty-print`' },
  { theme: 'not-found handling', files: /(^|\/)404s\./, shown: '`404s`' },
  { theme: 'errors and thrown values', files: /error|(^|\/)(500s|throw)\./, shown: '`*error*`, `500s`, `throw`' },
  { theme: '`reply`', files: /(^|\/)reply/, shown: '`reply*`, `internals/reply*`' },
  { theme: 'routes', files: /(^|\/)(route|router|find-route|has-route)/, shown: '`route*`, `router-*`, `find-route`, `has-route`' },
  { theme: 'diagnostics channels', files: /^diagnostics-channel\//, shown: '`diagnostics-channel/*`' },
  {
    theme: 'handlers and promises',
    files: /(^|\/)(handler-|handle-request|promise|async-await|wrap-thenable|skip-reply-send)/,
    shown: '`handler-*`, `internals/handle-request`, `promises`, `internals/promise`, `async-await`, `wrap-thenable`, `skip-reply-send`',
  },
  {
    theme: 'async context',
    files: /(^|\/)(als|async_hooks|content-type-parser-async-context)\./,
    shown: '`als`, `async_hooks`, `content-type-parser-async-context`',
  },
];

/** Files of Fastify's suite that are not run, by path under its test folder. */
export const EXCLUDED: ReadonlyMap<string, string> = new Map([
  [
    'build/error-serializer.test.js',
    "lints Fastify's generated serializer with Fastify's own ESLint config, whose plugins (neostandard) are not part of the published package; it fails with and without the preload",
  ],
]);

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The docs/compatibility.md section on Fastify's own suite. */
export function compatibilitySection(): string {
  const allowed = ALLOWED.length
    ? [
        '| File | Test | Why it may differ |',
        '| --- | --- | --- |',
        ...ALLOWED.map((e) => `| \`${cell(e.file)}\` | ${cell(e.test)} | ${cell(e.reason)} |`),
      ].join('\n')
    : 'None: every test of Fastify’s suite must give the same result with and without the preload.';
  const excluded = [...EXCLUDED].map(([file, reason]) => `- \`${file}\`: ${reason}.`).join('\n');
  const selection = SELECTION.map((s) => `- ${s.theme}: ${s.shown}`).join('\n');
  return [
    '## Fastify’s own test suite',
    '',
    '`npm run test:frameworks` runs test files that Fastify ships in its npm package (`node_modules/fastify/test`, the',
    '`*.test.js` and `*.test.mjs` its own runner picks) twice: plain, and under `NODE_OPTIONS="--import @org/sentry-register"`',
    'with `SENTRY_DSN` pointing at the local sink. Each mode goes through `node --test`, a process per file, two files at a',
    'time. It compares the result of every test and exits non-zero when one changes under the preload, unless it is allowed',
    'below. A test that fails in the plain run, or whose difference does not come back when its file runs again, is reported',
    'as flaky, not blamed on the preload; a test that fails in both runs is only counted. A file that runs in one mode and',
    'not in the other fails the run, and so does a file whose process fails outside its tests in one mode only.',
    '',
    '### Selection',
    '',
    'By default, and in CI, it runs every one of Fastify’s test files (198 files, 2418 tests; about 7 minutes here in both',
    'modes). `npm run test:frameworks -- --selection` runs only the files, under `test/`, where the preload meets Fastify',
    '(the names below, as file names), in about 3 minutes.',
    '',
    selection,
    '',
    '### Allowed differences',
    '',
    'Only tests that count Fastify’s internal hook arrays or print them may be listed, each with its reason',
    '(`ALLOWED` in scripts/frameworks/fastify.ts).',
    '',
    allowed,
    '',
    '### Files not run',
    '',
    excluded || 'None.',
  ].join('\n');
}
