/**
 * Whatever the environment holds, the app starts and serves; each bad value
 * gets exactly one clear warning (blank values count as unset and get none),
 * and the DSN's key never appears in any output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnFixture } from '../support/runner.js';
import { PUBLIC_KEY, startSink } from '../support/sink.js';
import type { Sink } from '../support/sink.js';
import { figures, JSON_BODY, warningLines } from '../support/faults.js';

const dir = mkdtempSync(join(tmpdir(), 'sentry-register-env-'));
const notPem = join(dir, 'not-a-bundle.pem');
writeFileSync(notPem, 'this is not a certificate\n');
const empty = join(dir, 'empty.pem');
writeFileSync(empty, '');
const LONG = 'x'.repeat(64 * 1024);

interface Case {
  readonly name: string;
  readonly env: (sink: Sink) => Record<string, string>;
  /** Warnings expected from the preload. */
  readonly warnings: number;
  /** Whether Sentry still starts (the DSN itself was fine). */
  readonly starts: boolean;
  readonly mentions?: RegExp;
}

const withDsn = (extra: Record<string, string>) => (sink: Sink) => ({ SENTRY_DSN: sink.dsn, ...extra });

const cases: Case[] = [
  { name: 'malformed DSN', env: () => ({ SENTRY_DSN: `not a dsn ${PUBLIC_KEY}` }), warnings: 1, starts: false, mentions: /SENTRY_DSN/ },
  {
    name: 'DSN with a non-http scheme',
    env: () => ({ SENTRY_DSN: `ftp://${PUBLIC_KEY}@127.0.0.1/1` }),
    warnings: 1,
    starts: false,
    mentions: /scheme/,
  },
  {
    name: 'DSN without a project id',
    env: () => ({ SENTRY_DSN: `http://${PUBLIC_KEY}@127.0.0.1/` }),
    warnings: 1,
    starts: false,
    mentions: /project id/,
  },
  {
    name: 'DSN of 64 KB',
    env: () => ({ SENTRY_DSN: `http://${PUBLIC_KEY}@127.0.0.1/${LONG}` }),
    warnings: 1,
    starts: false,
    mentions: /SENTRY_DSN/,
  },
  {
    name: 'rate "abc"',
    env: withDsn({ SENTRY_TRACES_SAMPLE_RATE: 'abc' }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_TRACES_SAMPLE_RATE/,
  },
  {
    name: 'rate "-1"',
    env: withDsn({ SENTRY_TRACES_SAMPLE_RATE: '-1' }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_TRACES_SAMPLE_RATE/,
  },
  { name: 'rate "2"', env: withDsn({ SENTRY_TRACES_SAMPLE_RATE: '2' }), warnings: 1, starts: true, mentions: /SENTRY_TRACES_SAMPLE_RATE/ },
  {
    name: 'rate "NaN"',
    env: withDsn({ SENTRY_TRACES_SAMPLE_RATE: 'NaN' }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_TRACES_SAMPLE_RATE/,
  },
  {
    name: 'rate of 64 KB',
    env: withDsn({ SENTRY_TRACES_SAMPLE_RATE: `0.${'1'.repeat(64 * 1024)}x` }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_TRACES_SAMPLE_RATE/,
  },
  {
    name: 'CA path missing',
    env: withDsn({ SENTRY_CA_CERTS: join(dir, 'missing.pem') }),
    warnings: 1,
    starts: true,
    mentions: /not found at/,
  },
  { name: 'CA path is a directory', env: withDsn({ SENTRY_CA_CERTS: dir }), warnings: 1, starts: true, mentions: /not found at/ },
  { name: 'CA file is not PEM', env: withDsn({ SENTRY_CA_CERTS: notPem }), warnings: 1, starts: true, mentions: /no PEM certificate/ },
  { name: 'CA file is empty', env: withDsn({ SENTRY_CA_CERTS: empty }), warnings: 1, starts: true, mentions: /no PEM certificate/ },
  {
    name: 'environment of 64 KB',
    env: withDsn({ SENTRY_ENVIRONMENT: LONG }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_ENVIRONMENT is longer than 64/,
  },
  {
    name: 'environment with spaces',
    env: withDsn({ SENTRY_ENVIRONMENT: 'prod cluster' }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_ENVIRONMENT/,
  },
  { name: 'release of 64 KB', env: withDsn({ SENTRY_RELEASE: LONG }), warnings: 1, starts: true, mentions: /SENTRY_RELEASE/ },
  { name: 'SENTRY_DEBUG "maybe"', env: withDsn({ SENTRY_DEBUG: 'maybe' }), warnings: 1, starts: true, mentions: /SENTRY_DEBUG/ },
  {
    name: 'SENTRY_REQUIRED "perhaps"',
    env: withDsn({ SENTRY_REQUIRED: 'perhaps' }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_REQUIRED/,
  },
  {
    name: 'SENTRY_IGNORE_ERRORS with a bad regex',
    env: withDsn({ SENTRY_IGNORE_ERRORS: '/(unclosed/' }),
    warnings: 1,
    starts: true,
    mentions: /SENTRY_IGNORE_ERRORS/,
  },
  {
    name: 'an unknown SENTRY_ variable (a typo)',
    env: withDsn({ SENTRY_ENVIROMENT: 'production' }),
    warnings: 1,
    starts: true,
    mentions: /did you mean SENTRY_ENVIRONMENT/,
  },
  {
    name: 'a service name Sentry would reject in a release',
    env: withDsn({ OTEL_SERVICE_NAME: 'org/api' }),
    warnings: 1,
    starts: true,
    mentions: /derived release/,
  },
  { name: 'blank DSN', env: () => ({ SENTRY_DSN: '' }), warnings: 0, starts: false },
  {
    name: 'whitespace-only values',
    env: withDsn({ SENTRY_ENVIRONMENT: '   ', SENTRY_TRACES_SAMPLE_RATE: ' \t ', SENTRY_CA_CERTS: '  ' }),
    warnings: 0,
    starts: true,
  },
];

after(() => {
  for (const f of figures) console.log(`FIGURE | ${f.scenario} | ${f.bound} | ${f.measured}`);
});

let passed = 0;
for (const c of cases) {
  test(`bad environment: ${c.name}`, async () => {
    const sink = await startSink();
    try {
      const { proc, command } = await spawnFixture('http-app.mjs', 'import', c.env(sink));
      assert.equal((await proc.request('POST', '/chat/1', JSON_BODY)).status, 200, 'the app does not serve');
      proc.signal('SIGTERM');
      await proc.exited;
      const output = proc.stdout() + proc.stderr();
      const warnings = warningLines(proc.stderr());
      assert.equal(warnings.length, c.warnings, `${warnings.join('\n')}\n${command.slice(0, 300)}`);
      if (c.mentions) assert.match(warnings[0] ?? '', c.mentions);
      assert.ok(
        warnings.every((w) => w.length < 400),
        'a warning echoes a huge value',
      );
      assert.equal(/Sentry initialized/.test(proc.stderr()), c.starts, proc.stderr());
      assert.ok(!output.includes(PUBLIC_KEY), 'the DSN key was printed');
      passed++;
    } finally {
      await sink.close();
    }
  });
}

test('bad environment: summary', () => {
  figures.push({
    scenario: `bad environment matrix (${cases.length} cases)`,
    bound: 'starts and serves, exactly the expected warnings, key never printed',
    measured: `${passed} of ${cases.length} as expected`,
  });
  assert.equal(passed, cases.length);
});
