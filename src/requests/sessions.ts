/**
 * Release health for a server: every served request is one request session,
 * aggregated per minute into `exited` / `errored` / `crashed` counts for the
 * client's release and environment, and sent as a `sessions` item.
 *
 * Two paths, so that counting costs a request next to nothing:
 * - a request that touched Sentry (its scopes were forked, isolation.ts: it
 *   captured an error, logged a breadcrumb, set a tag) gets Sentry's own
 *   request session on its isolation scope (`startRequestSession`, @sentry/core
 *   11.12 server entry). Sentry's client marks it errored or crashed when it
 *   captures an exception there, and Sentry's aggregator counts it when it ends;
 * - every other request can only have exited: it is counted in a plain
 *   per-minute counter, with no scope, no allocation per request, and sent
 *   through the client's own `sendSession` (Sentry builds the envelope and
 *   adds release and environment). Relay adds aggregates of the same minute.
 *
 * Both end when Node publishes `http.server.response.finish`, a channel of
 * Node's own: no listener is added to the app's response. A request the client
 * abandons before its response finishes is not counted. The health and
 * metrics probes (`EXCLUDED_PATHS`, as the sampler) never count: a kubelet
 * probing every few seconds would otherwise dilute the error rate by orders of
 * magnitude, though Sentry's own Http integration counts them.
 *
 * Sentry marks a request `crashed` for any capture whose mechanism is not
 * handled. A route error the framework answers with a 5xx leaves the process
 * up, so `settle()` keeps such a request `errored`; `crashed` is for a crash.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client, Scope } from '@sentry/core';
import { startRequestSession } from '@sentry/core/server';
import { guarded } from '../preload/guarded.js';
import { isExcludedPath } from './sampler.js';

const FINISH = 'http.server.response.finish';
/** Sentry's own flushing delay for request-session aggregates (record-request-session.js). */
const SESSION_FLUSH_MS = 60_000;
const MINUTE_MS = 60_000;

const attempt = (fn: () => void): void => guarded('release-health bookkeeping', fn)();

type End = () => void;
type Status = 'ok' | 'errored' | 'crashed';

/** Whether a request counts: anything but a health, metrics or root probe. */
export function countsAsSession(url: string | undefined): boolean {
  return url !== undefined && !isExcludedPath(url);
}

/** The request-session status Sentry keeps on an isolation scope, if it has one. */
function statusOf(scope: Scope): { status: Status } | undefined {
  return scope.getScopeData().sdkProcessingMetadata['requestSession'] as { status: Status } | undefined;
}

/**
 * Plain per-minute counts of requests that ended without Sentry's own request
 * session: `exited`, or `errored` when their error was captured only after the
 * response finished (Express's finalhandler answers first and reports the
 * error a tick later). Sent through the client like Sentry's own aggregates:
 * at the first count a timer of Sentry's delay starts, and a client flush sends
 * at once.
 */
export class PlainCounts {
  private readonly counts = new Map<number, { exited: number; errored: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Pick<Client, 'sendSession'>,
    private readonly now: () => number = Date.now,
  ) {}

  exited(): void {
    this.bucket().exited++;
  }

  /** A request already counted `exited` had its error captured after all: it is `errored`. */
  erroredLate(): void {
    const bucket = this.bucket();
    // Counted a moment ago, in this minute unless the minute just turned or was just sent:
    // then the total is still right, one minute off, or one too many rather than an error lost.
    if (bucket.exited > 0) bucket.exited--;
    bucket.errored++;
  }

  send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const aggregates = [...this.counts].map(([minute, c]) => ({
      started: new Date(minute).toISOString(),
      exited: c.exited,
      errored: c.errored,
      crashed: 0,
    }));
    this.counts.clear();
    this.client.sendSession({ aggregates });
  }

  private bucket(): { exited: number; errored: number } {
    const now = this.now();
    const minute = now - (now % MINUTE_MS);
    let bucket = this.counts.get(minute);
    if (bucket === undefined) {
      bucket = { exited: 0, errored: 0 };
      this.counts.set(minute, bucket);
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.send(), SESSION_FLUSH_MS);
      this.timer.unref();
    }
    return bucket;
  }
}

export interface RequestSessions {
  /** Called with a request's fresh isolation scope, when its scopes are forked (isolation.ts). */
  forked(scope: Scope, request: IncomingMessage, response: ServerResponse): void;
  /**
   * Runs a capture. Not a crash: the request stays `errored` (see the module
   * comment). A crash: the request's session ends now, since its response
   * never finishes; the crash flush sends it.
   */
  settle(scope: () => Scope, crash: boolean, capture: () => void): void;
  /** Stops counting; aggregates already made are still sent at the client's next flush. */
  close(): void;
}

export function startRequestSessions(client: Client): RequestSessions {
  const plain = new PlainCounts(client);
  const byRequest = new WeakMap<object, End>();
  const byScope = new WeakMap<Scope, End>();
  /** Scopes of counted requests forked after their response finished: counted `exited` already. */
  const late = new WeakSet<Scope>();
  const unhook = client.on('flush', () => plain.send());

  const onFinish = guarded('counting a request session', (message: unknown) => {
    const request = (message as { request?: IncomingMessage }).request;
    if (request === undefined) return;
    const end = byRequest.get(request);
    if (end !== undefined) end();
    else if (countsAsSession(request.url)) plain.exited();
  });
  subscribe(FINISH, onFinish);

  return {
    forked(scope, request, response) {
      if (!countsAsSession(request.url)) return;
      // Forked after its response finished (Express's error report, a log line after
      // `res.end()`): counted already; an error captured now makes it errored (settle).
      if (response.writableFinished) {
        late.add(scope);
        return;
      }
      const end = startRequestSession(client, { requestIsolationScope: scope, sessionFlushingDelayMS: SESSION_FLUSH_MS });
      byRequest.set(request, end);
      byScope.set(scope, end);
    },
    settle(scope, crash, capture) {
      // The bookkeeping may fail; the capture itself always runs. Sentry marks the
      // very object read here (its status), so one read of the scope's data does.
      let session: { status: Status } | undefined;
      let before: Status | undefined;
      if (!crash) attempt(() => (before = (session = statusOf(scope()))?.status));
      capture();
      attempt(() => {
        const current = scope();
        if (crash) byScope.get(current)?.();
        else if (late.delete(current)) plain.erroredLate();
        else if (session && before !== 'crashed') session.status = 'errored';
      });
    },
    close() {
      unsubscribe(FINISH, onFinish);
      unhook();
    },
  };
}
