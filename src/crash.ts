import type { Flush, Listener } from './shutdown.js';
import { SHUTDOWN_BUDGET_MS } from './shutdown.js';

/**
 * Node's crash semantics, kept.
 *
 * Any `unhandledRejection` listener (Sentry needs one to capture) stops Node
 * from crashing on an unhandled rejection in its default `throw` mode. So
 * Sentry's listener only captures (mode `none`), and ours does what Node would
 * have done without any listener: raise the rejection as an uncaught
 * exception. That reaches the app's own `uncaughtException` handlers if it
 * has any, exactly as in Node; if it has none, Sentry's handler captures,
 * and `fatal()` flushes and lets Node report the error and pick the exit code.
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

/** The error Node raises for a rejection whose reason is not an Error. */
export function asUncaught(reason: unknown): unknown {
  if (reason instanceof Error) return reason;
  const err = new Error(
    'This error originated either by throwing inside of an async function without a catch block, ' +
      `or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${describeReason(reason)}".`,
  );
  err.name = 'UnhandledPromiseRejection';
  (err as Error & { code?: string }).code = 'ERR_UNHANDLED_REJECTION';
  return err;
}

/**
 * The reason as Node's own message shows it (V8's side-effect-free ToString):
 * primitives as themselves, `#<Map>` for class instances, `[object Array]`.
 * No getter or user `toString` runs.
 */
export function describeReason(reason: unknown): string {
  if (typeof reason === 'function') return Function.prototype.toString.call(reason);
  if (typeof reason !== 'object' || reason === null) return String(reason);
  if (Array.isArray(reason)) return '[object Array]';
  const proto: unknown = Object.getPrototypeOf(reason);
  const ctor = proto === null ? undefined : Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return typeof ctor === 'function' && ctor.name ? `#<${ctor.name}>` : Object.prototype.toString.call(reason);
}

export interface CrashHandling {
  /** Sentry's `onFatalError`: flush, then let Node report the error and exit as it would. */
  fatal(error: unknown): void;
  /** Our `unhandledRejection` listener: does what Node would have done without listeners. */
  onRejection(reason: unknown): void;
  /** True for an error we re-raised, whose second capture must be dropped. */
  isRethrown(error: unknown): boolean;
}

/** `isOwn` tells our and Sentry's listeners from the app's. */
export function createCrashHandling(flush: Flush, isOwn: (listener: Listener) => boolean, proc: NodeJS.Process = process): CrashHandling {
  const rethrown = new WeakSet<object>();
  const mode = rejectionMode(proc.execArgv, proc.env['NODE_OPTIONS']);
  return {
    fatal(error) {
      void flush(SHUTDOWN_BUDGET_MS).then(() => {
        for (const l of proc.listeners('uncaughtException')) {
          if (isOwn(l as Listener)) proc.removeListener('uncaughtException', l);
        }
        setImmediate(() => {
          throw error;
        });
      });
    },
    onRejection(reason) {
      const appListeners = proc.listeners('unhandledRejection').filter((l) => !isOwn(l as Listener)).length;
      const outcome = rejectionOutcome(mode, appListeners);
      if (outcome === 'raise') {
        const error = asUncaught(reason);
        if (typeof error === 'object' && error !== null) rethrown.add(error);
        proc.nextTick(() => {
          throw error;
        });
      } else if (outcome === 'exit-code') {
        proc.emitWarning(asUncaught(reason) as Error, 'UnhandledPromiseRejectionWarning');
        proc.exitCode = 1;
      }
    },
    isRethrown: (error) => typeof error === 'object' && error !== null && rethrown.has(error),
  };
}
