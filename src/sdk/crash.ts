import type { CaptureThrown } from '../events/capture.js';
import { guarded } from '../preload/guarded.js';
import type { Flush, Listener } from './shutdown.js';
import { SHUTDOWN_BUDGET_MS } from './shutdown.js';

/**
 * Node's crash semantics, kept.
 *
 * Any `unhandledRejection` listener (we need one to capture) stops Node from
 * crashing on an unhandled rejection in its default `throw` mode. So ours
 * captures and then does what Node would have done without any listener:
 * raise the rejection as an uncaught exception. That reaches the app's own
 * `uncaughtException` handlers if it has any, exactly as in Node; if it has
 * none, ours flushes and hands the error back to Node, which reports it and
 * picks the exit code.
 */
export type RejectionMode = 'throw' | 'strict' | 'warn' | 'none' | 'warn-with-error-code';
const MODES = new Set<string>(['throw', 'strict', 'warn', 'none', 'warn-with-error-code']);

/** The `--unhandled-rejections` mode in force; the command line overrides NODE_OPTIONS. */
export function rejectionMode(execArgv: readonly string[], nodeOptions: string | undefined): RejectionMode {
  let mode: RejectionMode = 'throw';
  for (const args of [(nodeOptions ?? '').split(/\s+/), execArgv]) {
    args.forEach((arg, i) => {
      const value = arg.startsWith('--unhandled-rejections=')
        ? arg.slice('--unhandled-rejections='.length)
        : arg === '--unhandled-rejections'
          ? args[i + 1]
          : undefined;
      if (value !== undefined && MODES.has(value)) mode = value as RejectionMode;
    });
  }
  return mode;
}

/** What Node would do with an unhandled rejection, given the app's own listeners. */
export function rejectionOutcome(mode: RejectionMode, appListeners: number): 'raise' | 'exit-code' | 'nothing' {
  if (appListeners > 0) return 'nothing';
  if (mode === 'throw') return 'raise';
  if (mode === 'warn-with-error-code') return 'exit-code';
  // `strict` raises before emitting the event; `warn` and `none` never crash.
  return 'nothing';
}

/**
 * What Node raises for an unhandled rejection (node 20-26
 * lib/internal/process/promises.js): an error-like reason (an object with an
 * own `stack`) as itself, anything else wrapped in an UnhandledPromiseRejection.
 * The wrapper's stack starts below `omitFrom` and so holds no frame of ours.
 */
export function asUncaught(reason: unknown, omitFrom: (...args: never[]) => unknown = asUncaught): unknown {
  if (isErrorLike(reason)) return reason;
  const err = new Error(
    'This error originated either by throwing inside of an async function without a catch block, ' +
      `or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${describeReason(reason)}".`,
  );
  err.name = 'UnhandledPromiseRejection';
  (err as Error & { code?: string }).code = 'ERR_UNHANDLED_REJECTION';
  Error.captureStackTrace(err, omitFrom);
  return err;
}

/** Node's own check, throws included: a revoked Proxy makes it throw a TypeError. */
function isErrorLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, 'stack');
}

/** What Node raises: `asUncaught`'s result, or the TypeError its own check throws (a revoked Proxy). */
function nodesUncaught(reason: unknown, omitFrom: (...args: never[]) => unknown): unknown {
  try {
    return asUncaught(reason, omitFrom);
  } catch (thrown) {
    // Made by V8 inside our check: its stack starts below our listener, as Node's would start in Node.
    if (thrown instanceof Error) Error.captureStackTrace(thrown, omitFrom);
    return thrown;
  }
}

/**
 * The reason as Node's own message shows it (V8's side-effect-free ToString):
 * primitives as themselves, `#<Map>` for class instances, `[object Array]`.
 * No getter or user `toString` runs.
 */
function describeReason(reason: unknown): string {
  if (typeof reason === 'function') return Function.prototype.toString.call(reason);
  if (typeof reason !== 'object' || reason === null) return String(reason);
  if (Array.isArray(reason)) return '[object Array]';
  // V8 names the constructor only while `toString` is Object.prototype's own
  // (a data property, own or inherited); a custom toString gets the builtin tag.
  if (dataProperty(reason, 'toString') !== Object.prototype.toString) return Object.prototype.toString.call(reason);
  const ctor = dataProperty(reason, 'constructor');
  return typeof ctor === 'function' && ctor.name ? `#<${ctor.name}>` : Object.prototype.toString.call(reason);
}

/** V8's GetDataProperty: the value of a data property, own or inherited; no getter runs. */
function dataProperty(target: object, key: string): unknown {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(o, key);
    if (descriptor) return 'value' in descriptor ? descriptor.value : undefined;
  }
  return undefined;
}

export interface CrashHandling {
  /** Our `uncaughtException` listener: captures, and where Node would exit, flushes and lets Node report and exit. */
  onUncaught(error: unknown): void;
  /** Our `unhandledRejection` listener: captures, then does what Node would have done without listeners. */
  onRejection(reason: unknown): void;
}

/**
 * The process's crash paths, ours instead of Sentry's OnUncaughtException and
 * OnUnhandledRejection integrations (@sentry/node 11.12), whose capture reads
 * the thrown value's getters: a throw there, inside a process listener, made
 * Node exit with code 7 instead of 1. Every capture here goes through
 * `capture` (capture.ts), which never throws. `isOwn` tells our and Sentry's
 * listeners from the app's.
 */
export function createCrashHandling(
  flush: Flush,
  isOwn: (listener: Listener) => boolean,
  capture: CaptureThrown,
  proc: NodeJS.Process = process,
): CrashHandling {
  const raised = new WeakSet<object>();
  const mode = rejectionMode(proc.execArgv, proc.env['NODE_OPTIONS']);
  let crashing = false;
  const appListeners = (event: 'uncaughtException' | 'unhandledRejection'): number =>
    proc.listeners(event as 'uncaughtException').filter((l) => !isOwn(l as Listener) && l.name !== 'domainUncaughtExceptionClear').length;

  /** Flushes, then hands the error back to Node with our listeners gone, so Node reports it and picks the exit code. */
  const crash = (error: unknown): void => {
    crashing = true;
    const raise = (): void => {
      for (const l of proc.listeners('uncaughtException')) if (isOwn(l as Listener)) proc.removeListener('uncaughtException', l);
      // A throw in a microtask reaches Node's triggerUncaughtException, which
      // places the report's `file:line` header afresh (V8 Exception::CreateMessage):
      // at the error's first frame while its stack is unformatted, else in
      // Node's task queue; never at this line. Capturing formats the stack,
      // and V8 keeps no call sites after that, so a captured crash's header
      // names Node's task queue (docs/compatibility.md).
      queueMicrotask(() => {
        throw error;
      });
    };
    void flush(SHUTDOWN_BUDGET_MS).then(raise, raise);
  };

  const onRejection = guarded('the unhandled-rejection handler', (reason: unknown) => {
    const outcome = rejectionOutcome(mode, appListeners('unhandledRejection'));
    capture(
      reason,
      { type: 'auto.node.onunhandledrejection', handled: false },
      { level: mode === 'strict' ? 'fatal' : 'error', crash: outcome === 'raise' },
    );
    if (outcome === 'raise') {
      const error = nodesUncaught(reason, onRejection);
      // Captured as a rejection already; the uncaught exception it becomes is not captured again.
      if (typeof error === 'object' && error !== null) raised.add(error);
      proc.nextTick(() => {
        throw error;
      });
    } else if (outcome === 'exit-code') {
      proc.emitWarning(nodesUncaught(reason, onRejection) as Error, 'UnhandledPromiseRejectionWarning');
      proc.exitCode = 1;
    }
  });

  return {
    onUncaught: guarded('the uncaught-exception handler', (error: unknown) => {
      // Node would have exited at the first one; later ones wait for it.
      if (crashing) return;
      if (!(typeof error === 'object' && error !== null && raised.has(error))) {
        capture(
          error,
          { type: 'auto.node.onuncaughtexception', handled: false },
          { level: 'fatal', crash: appListeners('uncaughtException') === 0 },
        );
      }
      if (appListeners('uncaughtException') === 0) crash(error);
    }),
    onRejection,
  };
}
