/**
 * Another copy of Sentry in the app: which versions count as another, the one
 * warning, and that the load hook hands every module on untouched and never
 * throws into the app's require.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { carrierVersions, otherVersionWarning, SentryCopyWatch } from '../../src/sdk/copies.js';
import { guardFailures } from '../../src/preload/guarded.js';

const OURS = '11.12.0';

const carriers: Array<[string, unknown, string[]]> = [
  ['no carrier', undefined, []],
  ['not an object', 'x', []],
  ['ours only', { version: OURS, [OURS]: {} }, []],
  ['ours and 11.11.0', { version: OURS, [OURS]: {}, '11.11.0': {} }, ['11.11.0']],
  ['another major first', { version: '10.4.0', '10.4.0': {}, [OURS]: {} }, ['10.4.0']],
  ['a prerelease', { version: OURS, [OURS]: {}, '11.13.0-beta.1': {} }, ['11.13.0-beta.1']],
  ['keys that are no version (Sentry 7 kept its hub here)', { version: OURS, [OURS]: {}, hub: {}, extensions: {} }, []],
];

for (const [name, carrier, expected] of carriers) {
  test(`carrierVersions: ${name} -> [${expected.join(', ')}]`, () => {
    assert.deepEqual(carrierVersions(OURS, carrier), expected);
  });
}

test('the warning names both versions and both fixes', () => {
  const line = otherVersionWarning(OURS, '11.11.0');
  for (const part of [
    'Sentry 11.11.0',
    'Sentry 11.12.0',
    '"@sentry/node": "11.12.0", the version the preload runs',
    '@org/sentry-register/api',
  ]) {
    assert.ok(line.includes(part), `${part} missing from: ${line}`);
  }
});

let watch: SentryCopyWatch | undefined;
afterEach(() => {
  watch?.disable();
  delete (globalThis as { __SENTRY__?: unknown }).__SENTRY__;
});

/** A watch whose warnings are collected, and its module hook as require-in-the-middle calls it. */
function watched(): { warnings: string[]; load: (exports: unknown, version?: string) => unknown; check: () => void } {
  const warnings: string[] = [];
  watch = new SentryCopyWatch(OURS, { warn: (m) => warnings.push(m) });
  const [definition] = watch.getModuleDefinitions();
  assert.ok(definition);
  assert.equal(definition.name, '@sentry/core');
  const patch = definition.patch as (exports: unknown, version?: string) => unknown;
  return { warnings, load: (exports, version) => patch(exports, version), check: watch.check };
}

const loads: Array<[string, unknown, string | undefined, number]> = [
  ['our version (deduped, or our CommonJS build)', { SDK_VERSION: OURS }, OURS, 0],
  ['another version', { SDK_VERSION: '11.11.0' }, '11.11.0', 1],
  ['no SDK_VERSION export: the package version decides', {}, '11.11.0', 1],
  ['no version at all', {}, undefined, 0],
];

for (const [name, exports, version, expected] of loads) {
  test(`loading @sentry/core: ${name} -> ${expected} warning(s), the module handed on as it is`, () => {
    const { warnings, load } = watched();
    assert.equal(load(exports, version), exports);
    assert.equal(warnings.length, expected);
  });
}

test('one warning per process, whichever copies load and whatever the carrier holds', () => {
  const { warnings, load, check } = watched();
  load({ SDK_VERSION: '11.11.0' });
  load({ SDK_VERSION: '10.4.0' });
  (globalThis as { __SENTRY__?: unknown }).__SENTRY__ = { version: OURS, [OURS]: {}, '11.10.0': {} };
  check();
  assert.deepEqual(warnings, [otherVersionWarning(OURS, '11.11.0')]);
});

test('the carrier check warns for a copy no hook saw (a bundle), and not for ours', () => {
  const { warnings, check } = watched();
  (globalThis as { __SENTRY__?: unknown }).__SENTRY__ = { version: OURS, [OURS]: {} };
  check();
  assert.deepEqual(warnings, []);
  (globalThis as { __SENTRY__?: unknown }).__SENTRY__ = { version: OURS, [OURS]: {}, '11.11.0': {} };
  check();
  assert.deepEqual(warnings, [otherVersionWarning(OURS, '11.11.0')]);
});

test('an export that throws when read is counted, not thrown into the require, and the module still handed on', () => {
  const { warnings, load } = watched();
  const hostile = Object.defineProperty({}, 'SDK_VERSION', {
    get() {
      throw new Error('no');
    },
  });
  const before = guardFailures().get('the Sentry version check') ?? 0;
  assert.equal(load(hostile, '11.11.0'), hostile);
  assert.equal(guardFailures().get('the Sentry version check'), before + 1);
  assert.deepEqual(warnings, []);
});
