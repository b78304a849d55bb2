/**
 * The link between the app-facing API and the Sentry instance the preload
 * started. It lives in the global symbol registry, so the API finds the
 * preload's Sentry even when the app resolves another copy of this package,
 * and finds nothing (and does nothing) when the preload is off.
 */
import type { Breadcrumb, CaptureContext, Scope, SeverityLevel, User } from '@sentry/core';

export interface Bridge {
  /** The event id; `undefined` when the event was not built (an error storm's budget, budget.ts). */
  captureException(error: unknown, context?: CaptureContext): string | undefined;
  captureMessage(message: string, level?: SeverityLevel): string;
  addBreadcrumb(breadcrumb: Breadcrumb): void;
  setTag(key: string, value: string): void;
  setUser(user: User | null): void;
  withScope<T>(callback: (scope: Scope) => T): T;
  flush(timeoutMs?: number): PromiseLike<boolean>;
}

const KEY = Symbol.for('@org/sentry-register/bridge');
type Global = typeof globalThis & { [KEY]?: Bridge };

export function installBridge(bridge: Bridge | undefined): void {
  (globalThis as Global)[KEY] = bridge;
}

export function currentBridge(): Bridge | undefined {
  return (globalThis as Global)[KEY];
}
