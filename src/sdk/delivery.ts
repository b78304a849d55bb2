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
import { setGlobalErrorHandler } from '@opentelemetry/core';
import type { Envelope, Transport, TransportMakeRequestResponse } from '@sentry/core';
import type { Logger } from '../preload/log.js';

const REQUEST_TIMEOUT_MS = 10_000;
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

/** What the transport learns about Sentry's ingest (budget.ts `SentryRefusal`). */
export interface IngestState {
  answered(response: TransportMakeRequestResponse): void;
  failed(): void;
}

/** Wraps Sentry's transport to report what goes wrong with delivery. */
export function watchTransport(transport: Transport, watch: DeliveryWatch, ingest?: IngestState): Transport {
  return {
    ...transport,
    send(envelope: Envelope): PromiseLike<TransportMakeRequestResponse> {
      return transport.send(envelope).then(
        (response) => {
          ingest?.answered(response);
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
          ingest?.failed();
          watch.report('events could not be sent to Sentry', failureLine(error));
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
 * Listens to OTel's error handler and its diag channel for errors (only when
 * the user has not set OTEL_LOG_LEVEL, whose console logger then stays in
 * charge).
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
    watch.report(OTEL_ERROR, (message.split('\n')[0] ?? '').slice(0, 200));
  };
  // The batch processor hands every failed export to the global error handler (sdk-trace
  // 2.12), whose default flattens it to JSON on diag. Export failures were reported by
  // the exporters themselves, per backend; the processor's own wait timing out
  // ("Timeout") cannot say which backend's queue it was, and the exporter reports that
  // export's failure when it ends.
  setGlobalErrorHandler((error) => {
    if (error instanceof ReportedExportError || (error instanceof Error && error.message === 'Timeout')) return;
    watch.report(OTEL_ERROR, failureLine(error).slice(0, 200));
  });
  diag.setLogger(
    {
      error: (...args: unknown[]) =>
        onError(
          args
            .map((a) => (typeof a === 'string' ? a : failureLine(a)))
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

const OTEL_ERROR = 'OpenTelemetry reported an error';
/** The backend a failed export names, so that OTel's own logger (OTEL_LOG_LEVEL) tells them apart too. */
export const SENTRY_LABEL = 'span export to Sentry';
export const COLLECTOR_LABEL = 'span export to the OTLP collector';
/** The warning kinds for failed span exports, one per backend (one warning per kind per minute). */
export const SPANS_TO_SENTRY_FAILED = 'spans could not be sent to Sentry';
export const SPANS_TO_COLLECTOR_FAILED = 'spans could not be sent to the OTLP collector';

/** A failed export that its exporter has reported already (exporter.ts): `${label}: ${why}`. */
export class ReportedExportError extends Error {
  readonly code: string | undefined;

  constructor(label: string, cause: Error | undefined) {
    super(`${label}: ${cause ? failureLine(cause) : 'export failed'}`, { cause });
    this.name = 'ReportedExportError';
    const code = (cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** One line about an error, whatever shape it arrives in (OTel's diag passes plain objects). */
export function failureLine(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; stack?: unknown };
    const text = typeof e.message === 'string' && e.message ? e.message : typeof e.stack === 'string' ? e.stack : JSON.stringify(error);
    const line = (text ?? '').split('\n')[0] ?? '';
    return typeof e.code === 'string' && !line.includes(e.code) ? `${e.code}: ${line}` : line;
  }
  return String(error);
}
