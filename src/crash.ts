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
