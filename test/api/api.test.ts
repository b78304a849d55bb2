import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Breadcrumb, CaptureContext, Scope, SeverityLevel, User } from '@sentry/core';
import {
  addBreadcrumb,
  captureException,
  captureMessage,
  flush,
  HttpClientError,
  ReportedError,
  setTag,
  setUser,
  withScope,
} from '../../src/api/api.js';
import type { ScopeLike } from '../../src/api/api.js';
import { currentBridge, installBridge } from '../../src/api/bridge.js';
import type { Bridge } from '../../src/api/bridge.js';
import { HttpClientError as HttpClientErrorImpl, ReportedError as ReportedErrorImpl } from '../../src/api/errors.js';

type Call = { method: keyof Bridge; args: unknown[] };

/** A bridge that records every call and answers like Sentry would. */
function recordingBridge(): Bridge & { calls: Call[]; scopeCalls: Array<{ method: string; args: unknown[] }> } {
  const calls: Call[] = [];
  const scopeCalls: Array<{ method: string; args: unknown[] }> = [];
  const scope = new Proxy(
    {},
    {
      get:
        (_target, method) =>
        (...args: unknown[]) => {
          scopeCalls.push({ method: String(method), args });
          return scope;
        },
    },
  );
  return {
    calls,
    scopeCalls,
    captureException: (error: unknown, context?: CaptureContext) => (
      calls.push({ method: 'captureException', args: [error, context] }),
      'event-1'
    ),
    captureMessage: (message: string, level?: SeverityLevel) => (
      calls.push({ method: 'captureMessage', args: [message, level] }),
      'event-2'
    ),
    addBreadcrumb: (breadcrumb: Breadcrumb) => void calls.push({ method: 'addBreadcrumb', args: [breadcrumb] }),
    setTag: (key: string, value: string) => void calls.push({ method: 'setTag', args: [key, value] }),
    setUser: (user: User | null) => void calls.push({ method: 'setUser', args: [user] }),
    withScope<T>(callback: (scope: Scope) => T): T {
      calls.push({ method: 'withScope', args: [] });
      // The Proxy answers every Scope method; only the ScopeLike subset is called.
      return callback(scope as Scope);
    },
    flush: (timeoutMs?: number) => (calls.push({ method: 'flush', args: [timeoutMs] }), Promise.resolve(true)),
  };
}

/** A bridge whose every method throws (or rejects), like a Sentry that broke mid-shutdown. */
function throwingBridge(): Bridge {
  const fail = (): never => {
    throw new Error('bridge is broken');
  };
  return {
    captureException: fail,
    captureMessage: fail,
    addBreadcrumb: fail,
    setTag: fail,
    setUser: fail,
    withScope: fail,
    flush: () => Promise.reject(new Error('flush failed')),
  };
}

afterEach(() => installBridge(undefined));

describe('api without a bridge (preload off)', () => {
  test('there is no bridge', () => {
    assert.equal(currentBridge(), undefined);
  });

  test('every call is a no-op that returns undefined', () => {
    assert.equal(captureException(new Error('x')), undefined);
    assert.equal(captureException('a string', { tags: { a: 'b' } }), undefined);
    assert.equal(captureMessage('hello'), undefined);
    assert.equal(captureMessage('hello', 'warning'), undefined);
    assert.equal(addBreadcrumb({ message: 'x' }), undefined);
    assert.equal(setTag('k', 'v'), undefined);
    assert.equal(setUser({ id: 1, email: 'jane@example.com' }), undefined);
    assert.equal(setUser(null), undefined);
  });

  test('flush resolves true', async () => {
    assert.equal(await flush(), true);
    assert.equal(await flush(1), true);
  });

  test('withScope runs the callback with a no-op scope and returns its value', () => {
    let seen: ScopeLike | undefined;
    const result = withScope((scope) => {
      seen = scope;
      scope
        .setTag('step', 'checkout')
        .setTags({ a: 'b' })
        .setExtra('n', 1)
        .setContext('c', { d: 1 })
        .setFingerprint(['f'])
        .setLevel('warning');
      return 42;
    });
    assert.equal(result, 42);
    assert.ok(seen);
    assert.equal(seen.setTag('x', 'y'), seen, 'chainable');
  });

  test('withScope lets the callback’s own error through', () => {
    assert.throws(
      () =>
        withScope(() => {
          throw new RangeError('app bug');
        }),
      RangeError,
    );
  });

  test('the error classes are exported', () => {
    assert.equal(ReportedError, ReportedErrorImpl);
    assert.equal(HttpClientError, HttpClientErrorImpl);
  });
});

describe('api with a bridge (preload on)', () => {
  test('captureException forwards the error and context, returns the event id', () => {
    const bridge = recordingBridge();
    installBridge(bridge);
    const error = new Error('x');
    assert.equal(captureException(error, { level: 'fatal' }), 'event-1');
    assert.deepEqual(bridge.calls, [{ method: 'captureException', args: [error, { level: 'fatal' }] }]);
    assert.equal(bridge.calls[0]?.args[0], error);
  });

  const messages: Array<{ level: SeverityLevel | undefined; expected: SeverityLevel }> = [
    { level: undefined, expected: 'info' },
    { level: 'warning', expected: 'warning' },
    { level: 'error', expected: 'error' },
  ];
  for (const c of messages) {
    test(`captureMessage at ${c.level ?? 'the default level'} -> ${c.expected}`, () => {
      const bridge = recordingBridge();
      installBridge(bridge);
      assert.equal(c.level === undefined ? captureMessage('slow checkout') : captureMessage('slow checkout', c.level), 'event-2');
      assert.deepEqual(bridge.calls, [{ method: 'captureMessage', args: ['slow checkout', c.expected] }]);
    });
  }

  test('addBreadcrumb and setTag forward', () => {
    const bridge = recordingBridge();
    installBridge(bridge);
    addBreadcrumb({ category: 'auth', message: 'login' });
    setTag('tenant', 'acme');
    assert.deepEqual(bridge.calls, [
      { method: 'addBreadcrumb', args: [{ category: 'auth', message: 'login' }] },
      { method: 'setTag', args: ['tenant', 'acme'] },
    ]);
  });

  const users: Array<{ name: string; user: Parameters<typeof setUser>[0]; options?: { includePii?: boolean }; expected: User | null }> = [
    { name: 'id and email: only the id', user: { id: '42', email: 'jane@example.com' }, expected: { id: '42' } },
    { name: 'numeric id', user: { id: 42, username: 'jane', ip_address: '10.0.0.1' }, expected: { id: 42 } },
    { name: 'includePii: false', user: { id: '42', email: 'jane@example.com' }, options: { includePii: false }, expected: { id: '42' } },
    {
      name: 'includePii: true sends everything',
      user: { id: '42', email: 'jane@example.com', username: 'jane' },
      options: { includePii: true },
      expected: { id: '42', email: 'jane@example.com', username: 'jane' },
    },
    { name: 'null clears the user', user: null, expected: null },
  ];
  for (const c of users) {
    test(`setUser: ${c.name}`, () => {
      const bridge = recordingBridge();
      installBridge(bridge);
      setUser(c.user, c.options);
      assert.deepEqual(bridge.calls, [{ method: 'setUser', args: [c.expected] }]);
    });
  }

  test('setUser with includePii sends a copy', () => {
    const bridge = recordingBridge();
    installBridge(bridge);
    const user = { id: '42', email: 'jane@example.com' };
    setUser(user, { includePii: true });
    assert.notEqual(bridge.calls[0]?.args[0], user);
  });

  test('withScope runs the callback in the bridge’s scope and returns its value', () => {
    const bridge = recordingBridge();
    installBridge(bridge);
    const result = withScope((scope) => {
      scope.setTag('step', 'checkout');
      scope.setLevel('warning');
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(bridge.calls, [{ method: 'withScope', args: [] }]);
    assert.deepEqual(bridge.scopeCalls, [
      { method: 'setTag', args: ['step', 'checkout'] },
      { method: 'setLevel', args: ['warning'] },
    ]);
  });

  const flushes: Array<{ timeout: number | undefined; expected: number }> = [
    { timeout: undefined, expected: 2000 },
    { timeout: 500, expected: 500 },
  ];
  for (const c of flushes) {
    test(`flush(${c.timeout ?? ''}) forwards ${c.expected} ms`, async () => {
      const bridge = recordingBridge();
      installBridge(bridge);
      assert.equal(c.timeout === undefined ? await flush() : await flush(c.timeout), true);
      assert.deepEqual(bridge.calls, [{ method: 'flush', args: [c.expected] }]);
    });
  }

  test('flush resolves false on a timeout', async () => {
    installBridge({ ...recordingBridge(), flush: () => Promise.resolve(false) });
    assert.equal(await flush(10), false);
  });

  test('installBridge(undefined) turns it off again', () => {
    const bridge = recordingBridge();
    installBridge(bridge);
    installBridge(undefined);
    assert.equal(captureMessage('x'), undefined);
    assert.deepEqual(bridge.calls, []);
  });
});

describe('api with a broken bridge', () => {
  test('no call throws into the caller', () => {
    installBridge(throwingBridge());
    assert.equal(captureException(new Error('x')), undefined);
    assert.equal(captureMessage('x', 'error'), undefined);
    assert.equal(addBreadcrumb({ message: 'x' }), undefined);
    assert.equal(setTag('k', 'v'), undefined);
    assert.equal(setUser({ id: 1 }), undefined);
    assert.equal(setUser(null), undefined);
  });

  test('flush resolves false when the bridge rejects', async () => {
    installBridge(throwingBridge());
    assert.equal(await flush(), false);
  });

  test('flush resolves false when the bridge throws synchronously', async () => {
    installBridge({
      ...recordingBridge(),
      flush: () => {
        throw new Error('sync');
      },
    });
    assert.equal(await flush(), false);
  });

  // The module promises that no call ever throws into the app, but withScope calls bridge.withScope
  // outside any try, so a failure of the bridge itself (not of the callback) reaches the caller.
  test('withScope with a throwing bridge still runs the callback', () => {
    installBridge(throwingBridge());
    let ran = false;
    const result = withScope(() => {
      ran = true;
      return 7;
    });
    assert.equal(result, 7);
    assert.equal(ran, true);
  });
});
