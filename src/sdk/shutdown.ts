/**
 * Flush on the way out, without changing how the process ends.
 *
 * On SIGTERM/SIGINT the span processor and Sentry are flushed together within
 * one 2 s budget. If the app has its own handler for the signal, the exit is
 * the app's; otherwise we exit with 128 + signal number, as a shell reports a
 * signalled process (143 for SIGTERM). We do not re-raise the signal: as PID 1
 * in a container a default-handled SIGTERM is ignored, and the pod would hang
 * until SIGKILL.
 *
 * `sdkHandle` is the other way out, the handle's `close()`: it tears the SDK
 * down in one order whichever composition started it.
 */
import { constants } from 'node:os';
import type { Handle } from '../preload/handle.js';
import type { Logger } from '../preload/log.js';

// 1.8 s of flushing keeps the whole shutdown, process teardown included, within 2 s.
export const SHUTDOWN_BUDGET_MS = 1800;

/** A process event listener, as `process.listeners()` returns it. */
export type Listener = (...args: unknown[]) => void;

export type Flush = (budgetMs: number) => Promise<'flushed' | 'timeout'>;

/**
 * Runs all flushers at once and settles within `budgetMs`, whatever they do.
 * Its timer is referenced on purpose: while a flush runs, the process stays up
 * for it (at most `budgetMs`), even if everything else has finished.
 */
export function boundedFlush(
  flushers: ReadonlyArray<() => Promise<unknown> | PromiseLike<unknown>>,
  budgetMs: number,
): Promise<'flushed' | 'timeout'> {
  const all = Promise.allSettled(
    flushers.map((f) => {
      try {
        return Promise.resolve(f());
      } catch (err) {
        return Promise.reject(err);
      }
    }),
  ).then(() => 'flushed' as const);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), budgetMs);
  });
  return Promise.race([all, timeout]).finally(() => clearTimeout(timer));
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type Signal = (typeof SIGNALS)[number];

export function exitCodeFor(signal: Signal): number {
  return 128 + constants.signals[signal];
}

export interface ShutdownOptions {
  flush: Flush;
  log: Logger;
  /** Listeners that are not the app's (ours, Sentry's), fixed once start-up is done. */
  isOwnListener: (listener: Listener) => boolean;
  proc?: NodeJS.Process;
}

/** Installs the signal and beforeExit handlers; returns the `[event, listener]` pairs it added. */
export function installShutdown(options: ShutdownOptions): Array<[string, Listener]> {
  const { flush, log, isOwnListener, proc = process } = options;
  const added: Array<[string, Listener]> = [];
  let flushing: Promise<unknown> | undefined;

  for (const signal of SIGNALS) {
    const appHandles = (): boolean => proc.listeners(signal).some((l) => l !== onSignal && !isOwnListener(l as Listener));
    const onSignal = (): void => {
      if (flushing) {
        // A second signal while flushing: the operator insists.
        if (!appHandles()) proc.exit(exitCodeFor(signal));
        return;
      }
      const started = Date.now();
      flushing = flush(SHUTDOWN_BUDGET_MS).then((result) => {
        log.debug(`${signal}: flush ${result} after ${Date.now() - started} ms`);
        if (result === 'timeout') log.warn(`${signal}: flush did not finish within ${SHUTDOWN_BUDGET_MS} ms; some events may be lost`);
        // Checked after the flush: the app may have added its handler meanwhile.
        if (!appHandles()) proc.exit(exitCodeFor(signal));
      });
    };
    proc.on(signal, onSignal);
    added.push([signal, onSignal]);
  }

  // A process that simply runs out of work (a job, a script) also flushes.
  const onBeforeExit = (): void => {
    if (flushing) return;
    flushing = flush(SHUTDOWN_BUDGET_MS);
  };
  proc.on('beforeExit', onBeforeExit);
  added.push(['beforeExit', onBeforeExit]);
  return added;
}

export interface SdkHandle extends Handle {
  /** Undoes the start: flushes, shuts OTel and Sentry down, removes our listeners and hooks. */
  close(): Promise<void>;
}

/** What `close()` undoes, each group in this order. */
export interface Teardown {
  /** First, so nothing new arrives: the API bridge, our process listeners. */
  readonly detach: ReadonlyArray<() => void>;
  /** After the flush, at once: NodeSDK and Sentry's client. */
  readonly shutdown: ReadonlyArray<() => Promise<unknown> | PromiseLike<unknown> | undefined>;
  /** Last: our module hooks and request isolation. */
  readonly unhook: ReadonlyArray<() => void>;
}

/** The handle a start returns: its flush, and a close that tears down in `Teardown`'s order. */
export function sdkHandle(flush: Flush, teardown: Teardown): SdkHandle {
  return {
    active: true,
    flush: (budgetMs = SHUTDOWN_BUDGET_MS) => flush(budgetMs),
    async close() {
      for (const undo of teardown.detach) undo();
      await flush(SHUTDOWN_BUDGET_MS);
      await Promise.allSettled(teardown.shutdown.map((stop) => Promise.resolve(stop())));
      for (const undo of teardown.unhook) undo();
    },
  };
}
