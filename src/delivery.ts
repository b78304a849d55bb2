/**
 * Delivery to Sentry must never be the app's problem, and its failures must
 * not go unnoticed either.
 * - Requests get a timeout and unreferenced sockets: a hung ingest can neither
 *   pile up requests forever nor keep a finished process alive.
 * - Failures (refused, timed out, 429, 5xx, full buffer) are reported as one
 *   warning per kind per minute: visible, never a flood.
 * - OTel's own error channel (diag) is watched for export failures and for an
 *   app registering a second tracer provider.
 */
import { request as httpRequest } from 'node:http';
import type { Agent, ClientRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { Envelope, Transport, TransportMakeRequestResponse } from '@sentry/core';
import type { Logger } from './log.js';

export const REQUEST_TIMEOUT_MS = 10_000;
const WARNING_INTERVAL_MS = 60_000;

/** One warning per kind per minute. */
export class DeliveryWatch {
  private readonly _last = new Map<string, number>();
  private readonly _log: Pick<Logger, 'warn'>;
  private readonly _now: () => number;

  constructor(log: Pick<Logger, 'warn'>, now: () => number = Date.now) {
    this._log = log;
    this._now = now;
  }

  report(kind: string, detail: string): void {
    const now = this._now();
    const last = this._last.get(kind);
    if (last !== undefined && now - last < WARNING_INTERVAL_MS) return;
    this._last.set(kind, now);
    this._log.warn(`${kind}: ${detail} (this warning repeats at most once a minute)`);
  }
}

/** Wraps Sentry's transport to report what goes wrong with delivery. */
export function watchTransport(transport: Transport, watch: DeliveryWatch): Transport {
  return {
    ...transport,
    send(envelope: Envelope): PromiseLike<TransportMakeRequestResponse> {
      return transport.send(envelope).then(
        (response) => {
          const status = response.statusCode;
          if (status === 429) {
            const retry = response.headers?.['retry-after'];
            watch.report(
              'Sentry is rate limiting events',
              `HTTP 429${retry ? `, retry after ${retry} s` : ''}; events are dropped until then`,
            );
          } else if (status !== undefined && status >= 400) {
            watch.report('Sentry rejected events', `HTTP ${status}`);
          }
          return response;
        },
        (error: unknown) => {
          watch.report('events could not be sent to Sentry', describe(error));
          throw error;
        },
      );
    },
  };
}

/**
 * The `httpModule` for Sentry's transport: every request gets a timeout, and
 * its socket does not hold the process open (flushes keep it alive themselves).
 */
export const boundedHttpModule = {
  request(options: RequestOptions | string | URL, callback?: (res: never) => void): ClientRequest {
    const https =
      typeof options === 'object' && !(options instanceof URL) ? options.protocol === 'https:' : String(options).startsWith('https:');
    const req = (https ? httpsRequest : httpRequest)(options as RequestOptions, callback as never);
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })),
    );
    req.on('socket', (socket) => socket.unref());
    return req;
  },
};

/** Makes an agent's sockets not hold the process open (the OTLP exporter's). */
export function unrefAgent<A extends Agent>(agent: A): A {
  const create = (agent as unknown as { createConnection: (...args: unknown[]) => { unref?: () => void } | undefined }).createConnection;
  (agent as unknown as { createConnection: (...args: unknown[]) => unknown }).createConnection = function (this: A, ...args: unknown[]) {
    const socket = create.apply(this, args);
    socket?.unref?.();
    return socket;
  };
  return agent;
}

/**
 * Listens on OTel's diag channel for errors (only when the user has not set
 * OTEL_LOG_LEVEL, whose console logger then stays in charge).
 */
export function watchOtelErrors(watch: DeliveryWatch, log: Pick<Logger, 'warn'>): void {
  let warnedProvider = false;
  const onError = (message: string): void => {
    if (/duplicate registration of API: (trace|propagation|context)/.test(message)) {
      if (warnedProvider) return;
      warnedProvider = true;
      log.warn(
        "the app registered its own OpenTelemetry provider; the preload's stays in charge, so spans keep going to Sentry and the app's provider gets none from the global API. Use one or the other.",
      );
      return;
    }
    const detail = exportFailure(message);
    // Export failures are reported by the exporters themselves, per backend (exporter.ts);
    // the batch processor passes them on here too, as it does its own wait timing out
    // ("Timeout", sdk-trace 2.12), which cannot say which backend's queue it was.
    if (EXPORT_LABELS.some((label) => detail.startsWith(`${label}: `)) || detail === 'Timeout') return;
    watch.report('OpenTelemetry reported an error', detail);
  };
  diag.setLogger(
    {
      error: (...args: unknown[]) =>
        onError(
          args
            .map((a) => (typeof a === 'string' ? a : describe(a)))
            .filter(Boolean)
            .join(' '),
        ),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
  );
}

/** Prefix the exporters put on their failures (exporter.ts), which they have already reported. */
export const SENTRY_LABEL = 'span export to Sentry';
export const COLLECTOR_LABEL = 'span export to the OTLP collector';
const EXPORT_LABELS = [SENTRY_LABEL, COLLECTOR_LABEL];
/** The warning kinds for failed span exports, one per backend (one warning per kind per minute). */
export const SPANS_TO_SENTRY_FAILED = 'spans could not be sent to Sentry';
export const SPANS_TO_COLLECTOR_FAILED = 'spans could not be sent to the OTLP collector';

/**
 * One short line from what OTel's error handler logs: a string, or (core 2.12
 * `loggingErrorHandler`) the error flattened to JSON, stack and all.
 */
function exportFailure(message: string): string {
  let text = message;
  try {
    const flat = JSON.parse(message) as { message?: unknown; code?: unknown };
    if (typeof flat.message === 'string' && flat.message) {
      text = typeof flat.code === 'string' && !flat.message.includes(flat.code) ? `${flat.code}: ${flat.message}` : flat.message;
    }
  } catch {
    // Not JSON: a plain message.
  }
  return (text.split('\n')[0] ?? '').slice(0, 200) || 'export failed';
}

/** One line about an error, whatever shape it arrives in (OTel's diag passes plain objects). */
function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; stack?: unknown };
    const text = typeof e.message === 'string' && e.message ? e.message : typeof e.stack === 'string' ? e.stack : JSON.stringify(error);
    const line = (text ?? '').split('\n')[0] ?? '';
    return typeof e.code === 'string' && !line.includes(e.code) ? `${e.code}: ${line}` : line;
  }
  return String(error);
}
