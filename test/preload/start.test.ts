import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { readConfig } from '../../src/preload/config.js';
import type { Env } from '../../src/preload/config.js';
import { NOOP_HANDLE, start } from '../../src/preload/start.js';

const STARTED = Symbol.for('@org/sentry-register/started');

function forgetStarted(): void {
  // start() keeps its promise on globalThis under a registry symbol; tests reset it between cases.
  delete (globalThis as Record<symbol, unknown>)[STARTED];
}

describe('start without a usable DSN', () => {
  afterEach(forgetStarted);

  const cases: Array<{ name: string; env: Env; exits: number[] }> = [
    { name: 'no DSN', env: {}, exits: [] },
    { name: 'invalid DSN', env: { SENTRY_DSN: 'not a dsn' }, exits: [] },
    { name: 'no DSN, SENTRY_REQUIRED', env: { SENTRY_REQUIRED: 'true' }, exits: [1] },
    { name: 'invalid DSN, SENTRY_REQUIRED', env: { SENTRY_DSN: 'not a dsn', SENTRY_REQUIRED: 'yes' }, exits: [1] },
  ];
  for (const c of cases) {
    test(`${c.name}: inactive handle${c.exits.length ? ', exit(1)' : ', no exit'}`, async () => {
      forgetStarted();
      const exits: number[] = [];
      const config = readConfig(c.env, () => {});
      const handle = await start(config, (code) => exits.push(code));
      assert.equal(handle.active, false);
      assert.equal(handle, NOOP_HANDLE);
      assert.equal(await handle.flush(), 'flushed');
      assert.deepEqual(exits, c.exits);
    });
  }

  test('a second start returns the first one’s promise and does not run again', async () => {
    forgetStarted();
    const exits: number[] = [];
    const config = readConfig({ SENTRY_REQUIRED: 'true' }, () => {});
    const first = start(config, (code) => exits.push(code));
    const second = start(config, (code) => exits.push(code));
    assert.equal(second, first);
    await first;
    assert.deepEqual(exits, [1]);
  });
});
