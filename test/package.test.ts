/**
 * The package as users get it: the packed tarball alone, installed under
 * node_modules, loads with `--import @org/sentry-register` and traces; its
 * bundled dependencies are pinned and external ones caret ranges; and the tree holds exactly
 * one copy of @opentelemetry/api.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { httpRequest, linkPackage, ROOT } from './support/runner.js';
import { startSink } from './support/sink.js';

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

test('the packed tarball ships the bundle with its source maps, the types, and nothing of the tests', () => {
  const [pack] = JSON.parse(npm(['pack', '--dry-run', '--json'], ROOT)) as Array<{ files: Array<{ path: string }> }>;
  const files = (pack?.files ?? []).map((f) => f.path);
  const needed = [
    'package.json',
    'README.md',
    'dist/bundle/register.js',
    'dist/bundle/src/cli/cli.js',
    'dist/bundle/THIRD_PARTY_LICENSES.txt',
  ];
  for (const file of [...needed, 'dist/register.d.ts', 'dist/src/api/api.d.ts', 'dist/src/testing/testing.d.ts']) {
    assert.ok(files.includes(file), `${file} missing from the tarball`);
  }
  for (const js of files.filter((f) => f.endsWith('.js'))) assert.ok(files.includes(`${js}.map`), `${js} ships without its source map`);
  assert.deepEqual(
    files.filter(
      (f) =>
        f.startsWith('dist/test') ||
        f.startsWith('test/') ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
        // tsc's unbundled output is for the unit tests; exports and bin load the bundle.
        (f.endsWith('.js') && !f.startsWith('dist/bundle/')),
    ),
    [],
  );
});

test('the bin: `sentry-register` is a shipped file that starts with a node shebang', () => {
  const { bin } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  // One entry, named as the package without its scope: what `npx @org/sentry-register` runs.
  assert.deepEqual(Object.keys(bin ?? {}), ['sentry-register']);
  const file = bin?.['sentry-register'] ?? '';
  const [pack] = JSON.parse(npm(['pack', '--dry-run', '--json'], ROOT)) as Array<{ files: Array<{ path: string }> }>;
  assert.ok(
    (pack?.files ?? []).some((f) => f.path === file),
    `${file} missing from the tarball`,
  );
  assert.match(readFileSync(join(ROOT, file), 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

test('installed from the tarball, `--import @org/sentry-register` traces a POST and `npx @org/sentry-register doctor` passes', async () => {
  // Inside the repo, so the tarball's dependencies resolve from the repo's node_modules, as after `npm install`.
  const app = join(ROOT, 'dist', 'installed');
  const home = join(app, 'node_modules', '@org', 'sentry-register');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const [pack] = JSON.parse(npm(['pack', '--json', '--pack-destination', app], ROOT)) as Array<{ filename: string }>;
  execFileSync('tar', ['-xzf', join(app, pack?.filename ?? ''), '-C', home, '--strip-components=1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'installed-app', version: '3.1.4', type: 'module' }));
  writeFileSync(
    join(app, 'app.js'),
    "import http from 'node:http';\nconst s = http.createServer((q, r) => r.end('ok'));\ns.listen(0, '127.0.0.1', () => console.log(`listening on ${s.address().port}`));\n",
  );

  const sink = await startSink();
  try {
    const env = { PATH: process.env['PATH'], SENTRY_DSN: sink.dsn, SENTRY_TRACES_SAMPLE_RATE: '1' };
    const child = spawn(process.execPath, ['--import', '@org/sentry-register', 'app.js'], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const port = Number(/listening on (\d+)/.exec(String(line))?.[1]);
    await httpRequest(port, 'POST', '/orders/1', { body: '{}' });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 143, stderr);
    assert.match(stderr, /release=lightspeed-stack@3\.1\.4/);
    assert.deepEqual(
      sink.spans.map((s) => s.name),
      ['POST /orders/:id'],
    );

    // npm install links each bin into node_modules/.bin and makes it executable; npx runs it from there.
    const bin = join(app, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    const { bin: bins } = JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const cli = bins['sentry-register'] ?? '';
    symlinkSync(join('..', '@org', 'sentry-register', cli), join(bin, 'sentry-register'));
    chmodSync(join(home, cli), 0o755);
    const doctor = spawnSync('npx', ['--offline', '@org/sentry-register', 'doctor', '--json'], { cwd: app, env, encoding: 'utf8' });
    assert.equal(doctor.status, 0, `${doctor.stdout}\n${doctor.stderr}`);
    const report = JSON.parse(doctor.stdout) as { ok: boolean; config: { release: { value: string } } };
    assert.equal(report.ok, true);
    assert.equal(report.config.release.value, 'lightspeed-stack@3.1.4');
  } finally {
    await sink.close();
  }
});

// What the bundle carries (scripts/bundle.ts) is pinned to the exact version it
// was built from: that is the code the preload runs, so `npm ls` and `npm audit`
// see the versions that run, and an app that aligns its own @sentry/node with ours
// (the copies.ts warning) shares the preload's client. What loads from
// node_modules (the OTel API, import-in-the-middle) is a caret range whose floor
// is the locked version, so npm dedupes it with the app's: one OTel API per process.
const EXTERNAL = new Set(['@opentelemetry/api', 'import-in-the-middle']);

test('bundled dependencies are pinned to the locked version; external ones are caret ranges on it', () => {
  const read = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;
  const dependencies = (read('package.json')['dependencies'] ?? {}) as Record<string, string>;
  const locked = (read('package-lock.json')['packages'] ?? {}) as Record<string, { version?: string }>;
  assert.ok(Object.keys(dependencies).length > 0);
  for (const name of EXTERNAL) assert.ok(name in dependencies, `${name} is not a dependency`);
  for (const [name, range] of Object.entries(dependencies)) {
    const version = locked[`node_modules/${name}`]?.version;
    if (EXTERNAL.has(name)) {
      assert.match(range, /^\^\d+\.\d+\.\d+$/, `${name}: "${range}" is not a caret range`);
      assert.equal(version, range.slice(1), `${name}: the lock does not build with the floor of ${range}`);
    } else {
      assert.match(range, /^\d+\.\d+\.\d+$/, `${name}: "${range}" is bundled but not pinned`);
      assert.equal(version, range, `${name}: the lock builds the bundle from ${version}, not ${range}`);
    }
  }
});

test('the bundle runs the pinned Sentry: its SDK version is the declared one', () => {
  const pinned = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies[
    '@sentry/node'
  ];
  const chunks = join(ROOT, 'dist', 'bundle', 'chunks');
  const versions = new Set<string>();
  for (const file of readdirSync(chunks).filter((f) => f.endsWith('.js'))) {
    for (const m of readFileSync(join(chunks, file), 'utf8').matchAll(/SDK_VERSION\s*=\s*"(\d+\.\d+\.\d+)"/g)) versions.add(m[1] ?? '');
  }
  assert.deepEqual([...versions], [pinned]);
});

test('exactly one copy of @opentelemetry/api is installed', () => {
  const copies: string[] = [];
  const walk = (dir: string): void => {
    const api = join(dir, '@opentelemetry', 'api', 'package.json');
    if (existsSync(api)) copies.push(api);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const pkgs = entry.name.startsWith('@')
        ? readdirSync(join(dir, entry.name)).map((n) => join(dir, entry.name, n))
        : [join(dir, entry.name)];
      for (const pkg of pkgs) if (existsSync(join(pkg, 'node_modules'))) walk(join(pkg, 'node_modules'));
    }
  };
  walk(join(ROOT, 'node_modules'));
  assert.deepEqual(copies, [join(ROOT, 'node_modules', '@opentelemetry', 'api', 'package.json')]);
});

test('importing the API alone loads no Sentry or OTel code, and its calls are no-ops', () => {
  linkPackage();
  const script = [
    "const api = await import('@org/sentry-register/api');",
    "api.captureException(new Error('x')); api.setTag('a', 'b');",
    "const loaded = Object.keys(globalThis).includes('__SENTRY__') || Object.getOwnPropertySymbols(globalThis).some((s) => String(s).includes('opentelemetry'));",
    'console.log(JSON.stringify({ loaded, flushed: await api.flush(10) }));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(ROOT, 'test', 'fixtures'),
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(out), { loaded: false, flushed: true });
});
