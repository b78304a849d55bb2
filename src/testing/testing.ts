/**
 * `@org/sentry-register/testing`: the Node counterpart of Safir's
 * `sentry_init_fixture` + `capture_events_fixture`.
 *
 * One call starts Sentry and the OTel pipeline exactly as the preload does
 * (same sampler, same before-send pipeline, same redaction), but keeps every
 * envelope and span in memory instead of sending it:
 *
 *   const sentry = await initTestSentry();
 *   // ... exercise the app ...
 *   await sentry.flush();
 *   assert.equal(sentry.errors[0].tags['tenant'], 'acme');
 *   await sentry.close();
 *
 * Works with node:test, Jest and Vitest (anything that can await a promise).
 * One active instance per process: close() before the next initTestSentry().
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Envelope, ErrorEvent, Event, Transport } from '@sentry/core';
import { currentBridge } from '../api/bridge.js';
import { readConfig } from '../preload/config.js';
import type { Env } from '../preload/config.js';
import { startTestSdk } from './sdk.js';

export interface CapturedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Record<string, unknown>;
}

export interface CapturedAttachment {
  readonly filename: string;
  readonly contentType: string | undefined;
  readonly data: string | Uint8Array;
}

export interface CapturedSentry {
  /** Error events (with an exception), after the before-send pipeline. */
  readonly errors: ErrorEvent[];
  /** Message events (`captureMessage`). */
  readonly messages: Event[];
  /** Sentry transactions; empty unless the app starts Sentry spans itself (OTel owns tracing). */
  readonly transactions: Event[];
  readonly attachments: CapturedAttachment[];
  /** Spans as they would be exported to Sentry (sampled, redacted, masked). */
  readonly spans: CapturedSpan[];
  /** Waits until every captured event has gone through the pipeline. */
  flush(): Promise<void>;
  /** Forgets everything captured so far. */
  reset(): void;
  /** Stops Sentry and OTel and removes their hooks, so another initTestSentry() can follow. */
  close(): Promise<void>;
}

export interface TestSentryOptions {
  /** Environment as the preload would read it; `SENTRY_DSN` is not needed. Defaults: rate 1, environment `test`. */
  readonly env?: Env;
}

const FAKE_DSN = 'http://testing@127.0.0.1:9/1';

/**
 * Starts a capturing Sentry. Async by contract, so that a future start that
 * waits stays compatible; any failure arrives as a rejection, never a throw.
 */
export function initTestSentry(options: TestSentryOptions = {}): Promise<CapturedSentry> {
  try {
    return Promise.resolve(startCapturing(options));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function startCapturing(options: TestSentryOptions): CapturedSentry {
  if (currentBridge()) {
    throw new Error('initTestSentry: Sentry is already active in this process (the preload, or a test instance not closed yet)');
  }
  const config = readConfig({ SENTRY_TRACES_SAMPLE_RATE: '1', SENTRY_ENVIRONMENT: 'test', ...options.env, SENTRY_DSN: FAKE_DSN });
  if (config.dsn === undefined) throw new Error('initTestSentry: internal DSN rejected');

  const captured: Captured = { errors: [], messages: [], transactions: [], attachments: [] };
  const spanExporter = new InMemorySpanExporter();
  const handle = startTestSdk({ ...config, dsn: config.dsn }, { transport: inMemoryTransport(captured), spanExporter });
  return {
    ...captured,
    get spans() {
      return spanExporter.getFinishedSpans().map(toCapturedSpan);
    },
    async flush() {
      await handle.flush();
    },
    reset() {
      for (const list of Object.values(captured)) list.length = 0;
      spanExporter.reset();
    },
    async close() {
      await handle.close();
      // Leave the OTel globals free for the next instance.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

interface Captured {
  errors: ErrorEvent[];
  messages: Event[];
  transactions: Event[];
  attachments: CapturedAttachment[];
}

/** Sentry's transport, replaced: every envelope is kept in `into`, by kind, and nothing is sent. */
function inMemoryTransport(into: Captured): () => Transport {
  return () => ({
    send(envelope: Envelope) {
      record(envelope, into);
      return Promise.resolve({});
    },
    flush: () => Promise.resolve(true),
  });
}

function record(envelope: Envelope, into: Captured): void {
  const [, items] = envelope;
  for (const [header, payload] of items as Array<[{ type: string; filename?: string; content_type?: string }, unknown]>) {
    if (header.type === 'event') {
      const event = payload as ErrorEvent;
      // captureMessage events carry `message` (and, with attachStacktrace, a synthetic exception).
      if (event.message !== undefined || event.logentry !== undefined) into.messages.push(event);
      else into.errors.push(event);
    } else if (header.type === 'transaction') {
      into.transactions.push(payload as Event);
    } else if (header.type === 'attachment') {
      into.attachments.push({ filename: header.filename ?? '', contentType: header.content_type, data: payload as string | Uint8Array });
    }
  }
}

function toCapturedSpan(span: ReadableSpan): CapturedSpan {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: { ...span.attributes },
  };
}
