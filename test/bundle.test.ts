/**
 * What scripts/bundle.ts promises, read from esbuild's metafile of the last
 * build (dist/bundle-meta.json): no DSN loads only our own code, the modules
 * holding shared state exist once, the module hooks and the OTel API stay
 * external, and the parts of Sentry and OTel we never call are not shipped.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Metafile } from 'esbuild';
import { ROOT } from './support/runner.js';

const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle-meta.json'), 'utf8')) as Metafile;
const outputs = Object.entries(meta.outputs).filter(([file]) => file.endsWith('.js'));

/** The output files Node loads when it imports `entry`, before any `import()`. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of meta.outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return seen;
}

/** Bytes each input contributes to `files`, keyed by input path. */
function inputsOf(files: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(meta.outputs[file]?.inputs ?? {})) {
      if (bytesInOutput > 0) out.set(input, (out.get(input) ?? 0) + bytesInOutput);
    }
  }
  return out;
}

const externalsOf = (files: Iterable<string>): Set<string> =>
  new Set([...files].flatMap((f) => (meta.outputs[f]?.imports ?? []).filter((i) => i.external).map((i) => i.path)));

const entries = ['dist/bundle/register.js', 'dist/bundle/src/api/api.js'] as const;
for (const entry of entries) {
  test(`${entry} loads only our own code and Node's until a DSN imports the SDK`, () => {
    const closure = staticClosure(entry);
    assert.deepEqual(
      [...inputsOf(closure).keys()].filter((input) => !input.startsWith('dist/')),
      [],
    );
    assert.deepEqual(
      [...externalsOf(closure)].filter((name) => !name.startsWith('node:')),
      [],
    );
  });
}

test('each module with shared state (secrets, the start-once guard, the bridge, config) is in exactly one file', () => {
  for (const module of ['dist/src/preload/log.js', 'dist/src/preload/start.js', 'dist/src/api/bridge.js', 'dist/src/preload/config.js']) {
    const holders = outputs.filter(([, o]) => (o.inputs[module]?.bytesInOutput ?? 0) > 0).map(([file]) => file);
    assert.equal(holders.length, 1, `${module} is in ${holders.join(', ')}`);
  }
});

test('the OTel API and the module hooks are imported from node_modules, never bundled', () => {
  const all = outputs.map(([file]) => file);
  const bundled = [...inputsOf(all).keys()];
  for (const pkg of ['@opentelemetry/api/', 'import-in-the-middle/', 'require-in-the-middle/']) {
    assert.deepEqual(
      bundled.filter((input) => input.includes(`node_modules/${pkg}`)),
      [],
    );
  }
  const externals = externalsOf(all);
  for (const name of ['@opentelemetry/api', 'import-in-the-middle', 'import-in-the-middle/register-hooks.mjs']) {
    assert.ok(externals.has(name), `${name} is not imported`);
  }
});

test('only the parts of Sentry and OTel the SDK calls are shipped', () => {
  const bundled = [...inputsOf(outputs.map(([file]) => file)).keys()];
  const unwanted = [
    // Sentry's framework runtime injection (client.ts turns it off) and its build plugins.
    'node_modules/@sentry/server-runtime-injection/',
    'node_modules/@sentry/bundler-plugins/',
    // The AI, database, queue and framework integrations @sentry/node's index re-exports.
    'node_modules/@sentry/server-utils/build/esm/integrations/',
    'node_modules/@sentry/server-utils/build/esm/ai/',
    // NodeSDK's environment-configured exporters and declarative configuration.
    'node_modules/@opentelemetry/exporter-',
    'node_modules/@opentelemetry/configuration/',
    'node_modules/@grpc/',
    'node_modules/protobufjs/',
    'node_modules/yaml/',
  ];
  assert.deepEqual(
    bundled.filter((input) => unwanted.some((u) => input.includes(u))),
    [],
  );
});
