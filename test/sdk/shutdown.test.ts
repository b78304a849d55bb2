import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { Logger } from '../../src/preload/log.js';
import { boundedFlush, exitCodeFor, installShutdown, SHUTDOWN_BUDGET_MS } from '../../src/sdk/shutdown.js';
import type { Flush } from '../../src/sdk/shutdown.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('boundedFlush', () => {
  test('flushed when every flusher finishes, all started at once', async () => {
    const a = deferred<void>();
    const b = deferred<void>();
    let started = 0;
    const result = boundedFlush(
      [
        () => {
          started++;
          return a.promise;
        },
        () => {
          started++;
          return b.promise;
        },
      ],
      SHUTDOWN_BUDGET_MS,
    );
    assert.equal(started, 2);
    b.resolve();
    a.resolve();
    assert.equal(await result, 'flushed');
  });

  test('flushed with no flushers', async () => {
    assert.equal(await boundedFlush([], 50), 'flushed');
  });

  test('a throwing or rejecting flusher does not reject the result', async () => {
    const result = boundedFlush(
      [
        () => {
          throw new Error('sync failure');
        },
        () => Promise.reject(new Error('async failure')),
        () => Promise.resolve('ok'),
      ],
      SHUTDOWN_BUDGET_MS,
    );
    assert.equal(await result, 'flushed');
  });

  test('timeout when a flusher never settles', async () => {
    // The budget timer is unref'd by design; keep the loop alive so the test
    // runner does not see an empty loop while we wait for it.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      const budget = 50;
      const begun = performance.now();
      const result = await boundedFlush([() => new Promise<never>(() => {}), () => Promise.resolve()], budget);
      assert.equal(result, 'timeout');
      // Loose on purpose: libuv's cached loop time may start the timer a little early.
      assert.ok(performance.now() - begun >= budget / 2, 'not long before the budget is spent');
    } finally {
      clearInterval(keepAlive);
    }
  });
});

describe('exitCodeFor', () => {
  const cases = [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const;
  for (const [signal, code] of cases) {
    test(`${signal} -> ${code}`, () => {
      assert.equal(exitCodeFor(signal), code);
    });
  }
});

/** Stands in for `process`: signals are plain events, `exit` records its code. */
class FakeProcess extends EventEmitter {
  readonly exits: number[] = [];
  private readonly _firstExit = deferred<number>();
  readonly firstExit = this._firstExit.promise;

  exit(code: number): void {
    this.exits.push(code);
    this._firstExit.resolve(code);
  }
}

/** A flush that settles only when the test says so. */
function controlledFlush(): { flush: Flush; calls: number[]; settle: (result: 'flushed' | 'timeout') => void } {
  const calls: number[] = [];
  const pending: Array<Deferred<'flushed' | 'timeout'>> = [];
  return {
    calls,
    flush: (budgetMs) => {
      calls.push(budgetMs);
      const d = deferred<'flushed' | 'timeout'>();
      pending.push(d);
      return d.promise;
    },
    settle: (result) => {
      for (const d of pending.splice(0)) d.resolve(result);
    },
  };
}

/** A logger whose `debug` tells us that installShutdown's post-flush step has run. */
function recordingLogger(): { log: Logger; lines: string[]; afterFlush: Promise<void> } {
  const lines: string[] = [];
  const done = deferred<void>();
  const push = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  const log: Logger = {
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    debug: (message) => {
      push('debug')(message);
      // The flush callback logs, then decides on exit synchronously; resolving
      // here lets the test resume only after that decision.
      done.resolve();
    },
  };
  return { log, lines, afterFlush: done.promise };
}

function setup(isOwnListener: (listener: (...args: unknown[]) => void) => boolean = () => false) {
  const proc = new FakeProcess();
  const flush = controlledFlush();
  const logger = recordingLogger();
  // The fake implements only what installShutdown uses (on, listeners, exit).
  const added = installShutdown({ flush: flush.flush, log: logger.log, isOwnListener, proc: proc as unknown as NodeJS.Process });
  return { proc, flush, logger, added };
}

describe('installShutdown', () => {
  test('adds one listener per signal and one for beforeExit', () => {
    const { proc, added } = setup();
    assert.equal(added.length, 3);
    for (const event of ['SIGTERM', 'SIGINT', 'beforeExit']) assert.equal(proc.listenerCount(event), 1, event);
  });

  const signals = [
    { signal: 'SIGTERM', code: 143 },
    { signal: 'SIGINT', code: 130 },
  ];
  for (const { signal, code } of signals) {
    test(`${signal} without an app listener: flush once, then exit(${code})`, async () => {
      const { proc, flush } = setup();
      proc.emit(signal);
      assert.deepEqual(flush.calls, [SHUTDOWN_BUDGET_MS]);
      assert.deepEqual(proc.exits, [], 'no exit before the flush is done');
      flush.settle('flushed');
      assert.equal(await proc.firstExit, code);
      assert.deepEqual(proc.exits, [code]);
    });
  }

  test('SIGTERM with an app listener: flush, and the exit is the app’s', async () => {
    const { proc, flush, logger } = setup();
    let appCalls = 0;
    proc.on('SIGTERM', () => appCalls++);
    proc.emit('SIGTERM');
    assert.equal(appCalls, 1);
    assert.equal(flush.calls.length, 1);
    flush.settle('flushed');
    await logger.afterFlush;
    assert.deepEqual(proc.exits, []);
  });

  test('SIGTERM with only our own (non-app) listeners: still exits', async () => {
    const ours = (): void => {};
    const { proc, flush } = setup((listener) => listener === ours);
    proc.on('SIGTERM', ours);
    proc.emit('SIGTERM');
    flush.settle('flushed');
    assert.equal(await proc.firstExit, 143);
  });

  test('an app listener added during the flush takes over the exit', async () => {
    const { proc, flush, logger } = setup();
    proc.emit('SIGTERM');
    proc.on('SIGTERM', () => {});
    flush.settle('flushed');
    await logger.afterFlush;
    assert.deepEqual(proc.exits, []);
  });

  test('a second signal while flushing, no app listener: exit at once', async () => {
    const { proc, flush, logger } = setup();
    proc.emit('SIGTERM');
    assert.deepEqual(proc.exits, []);
    proc.emit('SIGTERM');
    assert.deepEqual(proc.exits, [143], 'exits synchronously, without waiting for the flush');
    assert.equal(flush.calls.length, 1, 'no second flush');
    flush.settle('flushed');
    await logger.afterFlush;
  });

  test('a second signal while flushing, with an app listener: no exit', async () => {
    const { proc, flush, logger } = setup();
    proc.on('SIGINT', () => {});
    proc.emit('SIGINT');
    proc.emit('SIGINT');
    assert.deepEqual(proc.exits, []);
    assert.equal(flush.calls.length, 1);
    flush.settle('flushed');
    await logger.afterFlush;
    assert.deepEqual(proc.exits, []);
  });

  test('a flush timeout is reported with one warning, and the exit still happens', async () => {
    const { proc, flush, logger } = setup();
    proc.emit('SIGTERM');
    flush.settle('timeout');
    assert.equal(await proc.firstExit, 143);
    const warnings = logger.lines.filter((l) => l.startsWith('warn: '));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /SIGTERM: flush did not finish within 1800 ms/);
  });

  test('beforeExit flushes once and does not exit', () => {
    const { proc, flush } = setup();
    proc.emit('beforeExit', 0);
    proc.emit('beforeExit', 0);
    assert.deepEqual(flush.calls, [SHUTDOWN_BUDGET_MS]);
    assert.deepEqual(proc.exits, []);
    flush.settle('flushed');
  });
});
