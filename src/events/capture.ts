/**
 * The one way the preload hands a thrown value to Sentry. It never throws:
 * the value goes through `capturable()` first (a stand-in for anything Sentry
 * could not read), and a failure inside Sentry is counted, not raised, because
 * every caller runs inside the app's own stack or a process listener.
 */
import type { captureException, getIsolationScope, Scope, SeverityLevel } from '@sentry/core';
import type { CaptureKind } from './budget.js';
import { noteFailure } from '../preload/guarded.js';
import { capturable, isStandIn } from '../preload/throwable.js';

export interface SentryCapture {
  readonly captureException: typeof captureException;
  readonly getIsolationScope: typeof getIsolationScope;
}

export interface Mechanism {
  readonly type: string;
  readonly handled: boolean;
}

export interface CaptureOptions {
  readonly transaction?: string;
  readonly level?: SeverityLevel;
  /** The process is going down with this error (for release health: the request `crashed`). */
  readonly crash?: boolean;
}

/** Captures any thrown value, named for its route; never throws. */
export type CaptureThrown = (value: unknown, mechanism: Mechanism, options?: CaptureOptions) => void;

/** Runs a capture inside the request's release-health bookkeeping (sessions.ts `settle`). */
export type Settle = (scope: () => Scope, crash: boolean, capture: () => void) => void;

export interface CaptureHooks {
  /** Release-health bookkeeping around the capture (sessions.ts). */
  readonly settle?: Settle;
  /** Whether to build the event at all (budget.ts); asked before anything is read from the value. */
  readonly admit?: (value: unknown, kind: CaptureKind) => boolean;
}

export function makeCapture(sentry: SentryCapture, hooks: CaptureHooks = {}): CaptureThrown {
  const { settle, admit } = hooks;
  return (value, mechanism, options = {}) => {
    try {
      if (admit && !admit(value, options.crash ? 'crash' : 'auto')) {
        // Not built, but the request still had an error: release health counts it.
        settle?.(sentry.getIsolationScope, false, () => undefined);
        return;
      }
      const error = capturable(value);
      // The request's own isolation scope: the route names the event as it names the span.
      if (options.transaction) sentry.getIsolationScope().setTransactionName(options.transaction);
      const capture = (): void => {
        sentry.captureException(error, {
          mechanism: isStandIn(error) ? { ...mechanism, synthetic: true } : mechanism,
          ...(options.level ? { captureContext: { level: options.level } } : {}),
        });
      };
      if (settle) settle(sentry.getIsolationScope, options.crash === true, capture);
      else capture();
    } catch (err) {
      noteFailure('capturing an error', err);
    }
  };
}
