import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { asUncaught, rejectionMode, rejectionOutcome } from '../../src/sdk/crash.js';
import type { RejectionMode } from '../../src/sdk/crash.js';

describe('rejectionMode', () => {
  const cases: Array<{ name: string; execArgv: string[]; nodeOptions: string | undefined; expected: RejectionMode }> = [
    { name: 'default', execArgv: [], nodeOptions: undefined, expected: 'throw' },
    { name: 'unrelated flags', execArgv: ['--enable-source-maps'], nodeOptions: '--max-old-space-size=512', expected: 'throw' },
    { name: 'command line, = form', execArgv: ['--unhandled-rejections=warn'], nodeOptions: undefined, expected: 'warn' },
    { name: 'command line, space form', execArgv: ['--unhandled-rejections', 'strict'], nodeOptions: undefined, expected: 'strict' },
    { name: 'NODE_OPTIONS, = form', execArgv: [], nodeOptions: '--import x --unhandled-rejections=none', expected: 'none' },
    {
      name: 'NODE_OPTIONS, space form',
      execArgv: [],
      nodeOptions: '--unhandled-rejections warn-with-error-code',
      expected: 'warn-with-error-code',
    },
    { name: 'NODE_OPTIONS with extra white space', execArgv: [], nodeOptions: '  --unhandled-rejections   warn  ', expected: 'warn' },
    {
      name: 'command line overrides NODE_OPTIONS',
      execArgv: ['--unhandled-rejections=strict'],
      nodeOptions: '--unhandled-rejections=warn',
      expected: 'strict',
    },
    {
      name: 'NODE_OPTIONS still applies when the command line value is unknown',
      execArgv: ['--unhandled-rejections=bogus'],
      nodeOptions: '--unhandled-rejections=warn',
      expected: 'warn',
    },
    { name: 'unknown value ignored', execArgv: ['--unhandled-rejections=sometimes'], nodeOptions: undefined, expected: 'throw' },
    { name: 'flag without a value ignored', execArgv: ['--unhandled-rejections'], nodeOptions: undefined, expected: 'throw' },
    {
      name: 'the last of several wins',
      execArgv: ['--unhandled-rejections=warn', '--unhandled-rejections=none'],
      nodeOptions: undefined,
      expected: 'none',
    },
  ];
  for (const c of cases) {
    test(`${c.name} -> ${c.expected}`, () => {
      assert.equal(rejectionMode(c.execArgv, c.nodeOptions), c.expected);
    });
  }
});

describe('rejectionOutcome', () => {
  const cases: Array<[RejectionMode, number, ReturnType<typeof rejectionOutcome>]> = [
    ['throw', 0, 'raise'],
    ['throw', 1, 'nothing'],
    ['warn-with-error-code', 0, 'exit-code'],
    ['warn-with-error-code', 2, 'nothing'],
    ['strict', 0, 'nothing'],
    ['strict', 1, 'nothing'],
    ['warn', 0, 'nothing'],
    ['none', 0, 'nothing'],
  ];
  for (const [mode, listeners, expected] of cases) {
    test(`${mode} with ${listeners} app listener(s) -> ${expected}`, () => {
      assert.equal(rejectionOutcome(mode, listeners), expected);
    });
  }
});

describe('asUncaught', () => {
  const errors = [new Error('boom'), new TypeError('bad type'), Object.assign(new RangeError('x'), { code: 'E_MINE' })];
  for (const err of errors) {
    test(`${err.name} is raised as the same object`, () => {
      assert.equal(asUncaught(err), err);
    });
  }

  // Each case is compared with what a real Node process prints for the same rejection.
  const reasons: Array<[string, unknown]> = [
    ['"boom"', 'boom'],
    ['42', 42],
    ['undefined', undefined],
    ['null', null],
    ['{ a: 1 }', { a: 1 }],
    ['[1, 2]', [1, 2]],
    ['Symbol("s")', Symbol('s')],
    ['new Map()', new Map()],
    ['Object.create(null)', Object.create(null)],
    ['10n', 10n],
  ];
  for (const [source, reason] of reasons) {
    test(`non-Error reason ${source} is wrapped with the message Node prints`, () => {
      const err = asUncaught(reason);
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'UnhandledPromiseRejection');
      assert.equal((err as Error & { code?: unknown }).code, 'ERR_UNHANDLED_REJECTION');
      const node = spawnSync(process.execPath, ['-e', `Promise.reject(${source})`], { encoding: 'utf8' });
      const nodeLine = node.stderr.split('\n').find((line) => line.startsWith('UnhandledPromiseRejection: '));
      assert.ok(nodeLine, node.stderr);
      assert.equal(`UnhandledPromiseRejection: ${err.message}`, nodeLine);
    });
  }
});
