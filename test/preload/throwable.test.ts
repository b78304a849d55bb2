/**
 * `capturable()` turns anything thrown into an Error that Sentry's event
 * builder can read, without running the thrown value's own code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturable, describeThrown, isStandIn } from '../../src/preload/throwable.js';
import { describeError } from '../../src/preload/log.js';
import { THROWABLES } from '../support/throwables.js';

for (const { kind, make, readable } of THROWABLES) {
  test(`${kind}: capturable never throws and yields a readable Error`, () => {
    const value = make();
    const error = capturable(value);
    assert.ok(error instanceof Error);
    assert.equal(typeof error.message, 'string');
    assert.equal(typeof error.stack, 'string');
    assert.match(`${error.name}: ${error.message}`, readable);
    assert.ok(!String(error.stack).includes('throwable.js'), 'a stand-in carries no frames of ours');
    assert.doesNotThrow(() => describeError(value));
  });
}

test('a readable Error is passed on as itself, so grouping and dedupe see the original', () => {
  const error = new Error('as is', { cause: new Error('inner') });
  assert.equal(capturable(error), error);
  assert.equal(isStandIn(error), false);
});

test('a circular cause chain of readable Errors is passed on as itself: linkedErrors stops at its limit', () => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  a.cause = b;
  assert.equal(capturable(b), b);
});

test('an Error whose stack getter throws keeps its name and message; its stand-in has no frames', () => {
  const error = Object.defineProperty(new RangeError('stackless'), 'stack', {
    get() {
      throw new Error('no');
    },
  });
  const standIn = capturable(error);
  assert.ok(isStandIn(standIn));
  assert.equal(standIn.name, 'RangeError');
  assert.equal(standIn.message, 'stackless');
  assert.equal(standIn.stack, 'RangeError: stackless');
});

test("an Error whose message getter throws keeps its own stack, so its frames are the app's", () => {
  const error = new TypeError('hidden');
  const stack = error.stack;
  Object.defineProperty(error, 'message', {
    get() {
      throw new Error('no');
    },
  });
  const standIn = capturable(error);
  assert.equal(standIn.stack, stack);
  assert.match(standIn.message, /could not be read/);
});

test('describing a value runs none of its code: no getter, no toString, no Proxy trap', () => {
  let ran = 0;
  const value = {
    get message(): string {
      ran++;
      return 'x';
    },
    toString(): string {
      ran++;
      return 'y';
    },
  };
  const trapped = new Proxy({}, { get: () => ran++, ownKeys: () => (ran++, []), getPrototypeOf: () => (ran++, null) });
  describeThrown(value);
  describeThrown(trapped);
  capturable(value);
  capturable(trapped);
  assert.equal(ran, 0);
});

test('a class instance is named by its class, as Sentry names it', () => {
  class Rejection {
    reason = 'x';
  }
  assert.equal(describeThrown(new Rejection()).message, "'Rejection' captured as exception with keys: reason");
});
