/**
 * `@org/sentry-register/api`: for code that wants more than zero-code capture.
 *
 * Works whether or not the preload is active: without it (no DSN) every call
 * is a no-op, and no call ever throws into the app. Importing this module
 * loads no Sentry or OTel code; it talks to the preload's Sentry instance.
 */
import type { Breadcrumb, CaptureContext, Scope, SeverityLevel } from '@sentry/core';
import { currentBridge } from './bridge.js';
import type { Bridge } from './bridge.js';

export { HttpClientError, ReportedError } from './errors.js';
export type { HttpRequestInfo, ReportedErrorOptions } from './errors.js';
export type { Breadcrumb, CaptureContext, SeverityLevel } from '@sentry/core';

function call<T>(fallback: T, fn: (bridge: Bridge) => T): T {
  const bridge = currentBridge();
  if (!bridge) return fallback;
  try {
    return fn(bridge);
  } catch {
    return fallback;
  }
}

/** Reports an error; returns the event id, or undefined when Sentry is off or an error storm's budget skipped it. */
export function captureException(error: unknown, context?: CaptureContext): string | undefined {
  return call(undefined, (b) => b.captureException(error, context));
}

/** Reports a message at `level` (default `info`). */
export function captureMessage(message: string, level: SeverityLevel = 'info'): string | undefined {
  return call(undefined, (b) => b.captureMessage(message, level));
}

export function addBreadcrumb(breadcrumb: Breadcrumb): void {
  call(undefined, (b) => b.addBreadcrumb(breadcrumb));
}

/** A tag on every event of the current request (or of the process, outside requests). */
export function setTag(key: string, value: string): void {
  call(undefined, (b) => b.setTag(key, value));
}

export interface UserRef {
  readonly id: string | number;
  readonly [key: string]: unknown;
}

/**
 * Identifies the user by id only. Other fields (e-mail, username, IP address)
 * are sent only with `{ includePii: true }`, a decision the app makes knowingly.
 */
export function setUser(user: UserRef | null, options: { includePii?: boolean } = {}): void {
  call(undefined, (b) => b.setUser(user === null ? null : options.includePii ? { ...user } : { id: user.id }));
}

/** The subset of Sentry's scope that works with or without the preload. */
export type ScopeLike = Pick<Scope, 'setTag' | 'setTags' | 'setExtra' | 'setContext' | 'setFingerprint' | 'setLevel'>;

const NOOP_SCOPE: ScopeLike = {
  setTag: () => NOOP_SCOPE as Scope,
  setTags: () => NOOP_SCOPE as Scope,
  setExtra: () => NOOP_SCOPE as Scope,
  setContext: () => NOOP_SCOPE as Scope,
  setFingerprint: () => NOOP_SCOPE as Scope,
  setLevel: () => NOOP_SCOPE as Scope,
};

/** Runs `callback` with a forked scope; what it sets applies to events captured inside it only. */
export function withScope<T>(callback: (scope: ScopeLike) => T): T {
  const bridge = currentBridge();
  if (!bridge) return callback(NOOP_SCOPE);
  let ran = false;
  try {
    return bridge.withScope((scope) => {
      ran = true;
      return callback(scope);
    });
  } catch (err) {
    // The callback's own errors are the app's; a failure of ours runs it without a scope.
    if (ran) throw err;
    return callback(NOOP_SCOPE);
  }
}

/** Sends what is buffered; resolves false on timeout, true when Sentry is off. */
export async function flush(timeoutMs = 2000): Promise<boolean> {
  const bridge = currentBridge();
  if (!bridge) return true;
  try {
    return await bridge.flush(timeoutMs);
  } catch {
    return false;
  }
}
