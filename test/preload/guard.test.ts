import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPackageManager } from '../../src/preload/guard.js';

describe('isPackageManager', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['npm-cli.js', true],
    ['npx-cli.js', true],
    ['yarn.js', true],
    ['pnpm.cjs', true],
    ['.yarn/releases/yarn-4.1.0.cjs', true],
    ['/app/.yarn/releases/yarn-3.6.4.cjs', true],
    ['/usr/lib/node_modules/npm/bin/npm-cli.js', true],
    ['/usr/local/lib/node_modules/pnpm/bin/pnpm.cjs', true],
    ['/usr/local/lib/node_modules/corepack/dist/corepack.js', true],
    ['C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js', true],
    ['app.js', false],
    ['server.mjs', false],
    [undefined, false],
    ['', false],
    ['/srv/npm-app/index.js', false],
    ['/srv/app/dist/yarn-helpers.js', false],
    ['/srv/app/npm.json', false],
  ];
  for (const [entry, expected] of cases) {
    test(`${JSON.stringify(entry)} -> ${expected}`, () => {
      assert.equal(isPackageManager(entry), expected);
    });
  }
});
