/**
 * Anything can be thrown: a Symbol, `null`, a revoked Proxy, an Error whose
 * `message` getter throws. Sentry's event builder (@sentry/core 11.12
 * eventbuilder.js) assumes more: it calls `new Error(value)` on primitives
 * (a TypeError for a Symbol), reads `message`, `stack`, `name` and every key
 * of a plain object, and `linkedErrors` walks `cause`. A throw there, inside a
 * diagnostics-channel subscriber or an `uncaughtException` listener, would
 * reach the app as a new uncaught exception.
 *
 * `capturable()` hands Sentry either the thrown Error itself, when every part
 * Sentry reads is readable, or a stand-in Error built from what could be read
 * without running the app's code: no getter, no `toString`, no Proxy trap.
 * A stand-in keeps the original's readable stack, so its frames (and with
 * them the grouping) are the app's; it never has frames of ours.
 */
import { types } from 'node:util';

/** How far Sentry's linkedErrors integration follows `cause` (its default limit). */
const CAUSE_LIMIT = 5;

/** The thrown value itself when Sentry can read it safely; otherwise a stand-in. */
export function capturable(value: unknown): Error {
  return isWellBehaved(value) ? value : standIn(value);
}

/** True for a value `capturable` replaced: its event says so (`mechanism.synthetic`). */
export function isStandIn(error: unknown): boolean {
  return STAND_INS.has(error as object);
}

const STAND_INS = new WeakSet<object>();

/** A native Error whose name, message, stack and cause chain read without throwing. */
function isWellBehaved(value: unknown): value is Error {
  const seen = new Set<unknown>();
  let current: unknown = value;
  for (let depth = 0; depth <= CAUSE_LIMIT && !seen.has(current); depth++) {
    // A non-Error cause ends the chain: linkedErrors only follows Errors.
    if (!types.isNativeError(current)) return depth > 0; // false for a Proxy, even of an Error
    seen.add(current);
    try {
      const error = current as Error;
      if (typeof error.name !== 'string' || typeof error.message !== 'string' || typeof error.stack !== 'string') return false;
      current = error.cause;
    } catch {
      return false;
    }
  }
  return true;
}

function standIn(value: unknown): Error {
  const { name, message, stack } = describeThrown(value);
  const error = new Error(message);
  error.name = name;
  // The original's stack when it could be read, else none: frames of this
  // module would mislead both the reader and Sentry's grouping.
  error.stack = stack ?? `${name}: ${message}`;
  STAND_INS.add(error);
  return error;
}

interface Described {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/**
 * What a thrown value says about itself, read without running the app's code
 * where that can be avoided: primitives as themselves, objects by their own
 * data properties. Never throws.
 */
export function describeThrown(value: unknown): Described {
  try {
    if (typeof value === 'symbol') return { name: 'Error', message: value.toString() };
    if (typeof value === 'function') return { name: 'Error', message: `Function captured as exception: ${value.name || 'anonymous'}` };
    if (typeof value !== 'object' || value === null) return { name: 'Error', message: String(value) };
    if (types.isProxy(value)) return { name: 'Error', message: 'Proxy captured as exception' };
    if (types.isNativeError(value)) return describeBrokenError(value);
    return describeObject(value);
  } catch {
    return { name: 'Error', message: 'unreadable value captured as exception' };
  }
}

/** An Error with a part that cannot be read: what can be, each part on its own. */
function describeBrokenError(error: Error): Described {
  const name = attempt(() => error.name);
  const message = attempt(() => error.message);
  const stack = attempt(() => error.stack);
  const className = constructorName(error) ?? 'Error';
  return {
    name: name || className,
    message: message ?? `(the ${className}'s message could not be read)`,
    ...(stack !== undefined ? { stack } : {}),
  };
}

/** As Sentry words it for a plain object, from own data properties only. */
function describeObject(value: object): Described {
  const own = (key: string): unknown => {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    return descriptor && 'value' in descriptor ? descriptor.value : undefined;
  };
  const message = own('message');
  const name = own('name');
  if (typeof message === 'string') return { name: typeof name === 'string' && name ? name : 'Error', message };
  const keys = Object.keys(value).sort().join(', ');
  const className = constructorName(value);
  const label = className && className !== 'Object' ? `'${className}'` : 'Object';
  return { name: 'Error', message: `${label} captured as exception with keys: ${keys || '[none]'}` };
}

/** The constructor's name through data properties of the prototype; no getter runs. */
function constructorName(value: object): string | undefined {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || typeof proto !== 'object') return undefined;
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  if (typeof ctor !== 'function') return undefined;
  const name: unknown = Object.getOwnPropertyDescriptor(ctor, 'name')?.value;
  return typeof name === 'string' && name ? name : undefined;
}

function attempt(read: () => unknown): string | undefined {
  try {
    const value = read();
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
