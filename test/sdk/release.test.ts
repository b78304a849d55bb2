import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveRelease } from '../../src/sdk/release.js';
import type { ReadText, ReleaseInput } from '../../src/sdk/release.js';

const SERVICE = 'lightspeed-stack';

describe('resolveRelease: SENTRY_RELEASE', () => {
  const cases: Array<{ explicit: string; version: string | undefined }> = [
    { explicit: 'svc@1.2.3', version: '1.2.3' },
    { explicit: 'svc@1.2.3+build.7', version: '1.2.3+build.7' },
    { explicit: 'a@b@2.0.0', version: '2.0.0' },
    { explicit: '4f2c9e1', version: undefined },
    { explicit: 'svc@', version: undefined },
    { explicit: '@1.0.0', version: undefined },
  ];
  for (const c of cases) {
    test(`${c.explicit} -> version ${String(c.version)}, and wins over any package.json`, () => {
      const reads: string[] = [];
      const read: ReadText = (path) => {
        reads.push(path);
        return '{"version":"9.9.9"}';
      };
      const result = resolveRelease({ explicit: c.explicit, serviceName: SERVICE, entry: '/srv/app/server.js', cwd: '/srv/app' }, read);
      assert.deepEqual(result, { release: c.explicit, version: c.version, source: 'SENTRY_RELEASE' });
      assert.deepEqual(reads, [], 'no package.json is read');
    });
  }
});

describe('resolveRelease: package.json on disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'release-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  let n = 0;
  /** A fresh tree under the temp dir: `{ 'a/package.json': '…' }`. */
  function tree(files: Record<string, string>): string {
    const base = join(root, `case-${n++}`);
    mkdirSync(base, { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(base, path)), { recursive: true });
      writeFileSync(join(base, path), text);
    }
    return base;
  }

  // Reads real files, but only inside the temp dir, so a package.json above
  // os.tmpdir() on this machine cannot change the outcome.
  const confined: ReadText = (path) => {
    if (!path.startsWith(root + sep)) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };

  const pkg = (fields: object): string => JSON.stringify(fields);

  const cases: Array<{
    name: string;
    files: Record<string, string>;
    entry: string | undefined;
    /** Pass `entry` as given (relative to cwd) rather than under the case's dir. */
    relativeEntry?: true;
    cwd: string;
    expected: { release: string | undefined; version: string | undefined; source: string };
  }> = [
    {
      name: 'nearest package.json above the entry script',
      files: {
        'package.json': pkg({ version: '9.9.9' }),
        'app/package.json': pkg({ name: 'app', version: '1.2.3' }),
        'app/src/server.js': '',
      },
      entry: 'app/src/server.js',
      cwd: '.',
      expected: { release: `${SERVICE}@1.2.3`, version: '1.2.3', source: 'app/package.json' },
    },
    {
      name: 'a package.json without version is skipped and the walk goes on',
      files: { 'package.json': pkg({ version: '9.9.9' }), 'app/package.json': pkg({ name: 'app' }), 'app/src/server.js': '' },
      entry: 'app/src/server.js',
      cwd: 'app',
      expected: { release: `${SERVICE}@9.9.9`, version: '9.9.9', source: 'package.json' },
    },
    {
      name: 'a blank or non-string version is skipped',
      files: {
        'package.json': pkg({ version: '2.0.0' }),
        'a/package.json': pkg({ version: '  ' }),
        'a/b/package.json': pkg({ version: 3 }),
        'a/b/x.js': '',
      },
      entry: 'a/b/x.js',
      cwd: '.',
      expected: { release: `${SERVICE}@2.0.0`, version: '2.0.0', source: 'package.json' },
    },
    {
      name: 'malformed JSON is skipped',
      files: { 'package.json': pkg({ version: '9.9.9' }), 'app/package.json': '{ "version": "1.0.0", ', 'app/index.mjs': '' },
      entry: 'app/index.mjs',
      cwd: '.',
      expected: { release: `${SERVICE}@9.9.9`, version: '9.9.9', source: 'package.json' },
    },
    {
      name: 'the version is trimmed',
      files: { 'package.json': pkg({ version: ' 1.0.0 ' }), 'index.js': '' },
      entry: 'index.js',
      cwd: '.',
      expected: { release: `${SERVICE}@1.0.0`, version: '1.0.0', source: 'package.json' },
    },
    {
      name: 'a relative entry is resolved against cwd',
      files: { 'srv/package.json': pkg({ version: '4.5.6' }), 'srv/bin/run.js': '' },
      entry: 'bin/run.js',
      relativeEntry: true,
      cwd: 'srv',
      expected: { release: `${SERVICE}@4.5.6`, version: '4.5.6', source: 'srv/package.json' },
    },
    {
      name: 'no package.json above the entry: fall back to cwd',
      files: { 'elsewhere/app.js': '', 'work/package.json': pkg({ version: '3.0.0' }) },
      entry: 'elsewhere/app.js',
      cwd: 'work',
      expected: { release: `${SERVICE}@3.0.0`, version: '3.0.0', source: 'work/package.json' },
    },
    {
      name: 'no entry script (REPL, -e): cwd',
      files: { 'package.json': pkg({ version: '0.1.0' }) },
      entry: undefined,
      cwd: '.',
      expected: { release: `${SERVICE}@0.1.0`, version: '0.1.0', source: 'package.json' },
    },
    {
      name: 'nothing found: no release at all',
      files: { 'app/package.json': pkg({ name: 'no-version' }), 'app/server.js': '', 'work/README': '' },
      entry: 'app/server.js',
      cwd: 'work',
      expected: { release: undefined, version: undefined, source: 'none' },
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const base = tree(c.files);
      const input: ReleaseInput = {
        explicit: undefined,
        serviceName: SERVICE,
        entry: c.entry === undefined || c.relativeEntry ? c.entry : join(base, c.entry),
        cwd: join(base, c.cwd),
      };
      const expected = { ...c.expected, source: c.expected.source === 'none' ? 'none' : join(base, c.expected.source) };
      assert.deepEqual(resolveRelease(input, confined), expected);
    });
  }

  test('the default reader reads real files', () => {
    const base = tree({ 'package.json': pkg({ version: '7.7.7' }), 'src/main.js': '' });
    const result = resolveRelease({ explicit: undefined, serviceName: 'svc', entry: join(base, 'src/main.js'), cwd: base });
    assert.deepEqual(result, { release: 'svc@7.7.7', version: '7.7.7', source: join(base, 'package.json') });
  });
});

describe('resolveRelease: injectable reader', () => {
  test('walks from the entry directory up to the root, then tries cwd', () => {
    const reads: string[] = [];
    const read: ReadText = (path) => {
      reads.push(path);
      return undefined;
    };
    const result = resolveRelease({ explicit: undefined, serviceName: SERVICE, entry: '/srv/app/dist/server.js', cwd: '/work' }, read);
    assert.deepEqual(result, { release: undefined, version: undefined, source: 'none' });
    assert.deepEqual(reads, [
      '/srv/app/dist/package.json',
      '/srv/app/package.json',
      '/srv/package.json',
      '/package.json',
      '/work/package.json',
    ]);
  });

  test('stops at the first version found', () => {
    const files: Record<string, string> = {
      '/srv/app/package.json': '{"version":"1.0.0"}',
      '/srv/package.json': '{"version":"2.0.0"}',
    };
    const reads: string[] = [];
    const read: ReadText = (path) => {
      reads.push(path);
      return files[path];
    };
    const result = resolveRelease({ explicit: undefined, serviceName: 'svc', entry: '/srv/app/dist/server.js', cwd: '/' }, read);
    assert.deepEqual(result, { release: 'svc@1.0.0', version: '1.0.0', source: '/srv/app/package.json' });
    assert.deepEqual(reads, ['/srv/app/dist/package.json', '/srv/app/package.json']);
  });

  test('a derived release Sentry would reject is dropped, with the reason', () => {
    const read: ReadText = (path) => (path === '/srv/app/package.json' ? '{"version":"1.0.0"}' : undefined);
    const result = resolveRelease({ explicit: undefined, serviceName: 'org/api', entry: '/srv/app/server.js', cwd: '/' }, read);
    assert.equal(result.release, undefined);
    assert.equal(result.version, '1.0.0');
    assert.match(result.problem ?? '', /^"org\/api@1\.0\.0" contains/);
  });
});
