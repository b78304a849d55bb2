/**
 * The tests' Sentry-protocol sink: accepts envelopes at `/api/<id>/envelope/`
 * and OTLP/JSON traces at `/api/<id>/integration/otlp/v1/traces/`, records
 * what arrives, and lets tests wait for a real signal (a request at the sink).
 * It can also misbehave on purpose (status, Retry-After, delay, hang, TLS).
 * It reads requests with the parsers of `sentry-register sink` (src/cli/sink.ts).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArrival, readBody } from '../../src/cli/sink.js';
import type { EnvelopeItem, SinkSpan } from '../../src/cli/sink.js';

export type { EnvelopeItem, SinkSpan };

export interface SinkRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Sink {
  readonly dsn: string;
  readonly port: number;
  readonly requests: SinkRequest[];
  readonly items: EnvelopeItem[];
  readonly spans: SinkSpan[];
  /** Error events (envelope items of type `event`). */
  events(): Array<Record<string, unknown>>;
  /** Resolves when `predicate` holds; rejects after `timeoutMs` with what did arrive. */
  waitFor(what: string, predicate: (sink: Sink) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const PUBLIC_KEY = 'sinkpublickey0123456789abcdef';
export const PROJECT_ID = '4242';

export interface SinkOptions {
  /** HTTP status to answer with. */
  readonly status?: number;
  /** `Retry-After` header (seconds) to send with the answer. */
  readonly retryAfter?: number;
  /** Answer only after this many milliseconds. */
  readonly delayMs?: number;
  /** Accept requests and never answer them. */
  readonly hang?: boolean;
  /** Serve HTTPS with this key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/**
 * Waiting for a real signal: each arrival calls `arrived()`, and `waitFor`
 * re-checks its predicate then (and once at once). No polling, no sleeps.
 */
export interface Arrivals<T> {
  arrived(): void;
  waitFor(what: string, predicate: (subject: T) => boolean, timeoutMs?: number): Promise<void>;
}

export function arrivals<T>(subject: () => T, describe: (what: string) => string): Arrivals<T> {
  const waiters = new Set<() => void>();
  return {
    arrived() {
      for (const w of waiters) w();
    },
    waitFor(what, predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(subject())) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(describe(what)));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const requests: SinkRequest[] = [];
  const items: EnvelopeItem[] = [];
  const spans: SinkSpan[] = [];
  const signal = arrivals<Sink>(
    () => sink,
    (what) => `sink: timed out waiting for ${what}; got ${items.length} envelope items, ${spans.length} spans, ${requests.length} requests`,
  );

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void readBody(req).then(
      (body) => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        try {
          const arrival = parseArrival(req.url ?? '', body);
          if (arrival.kind === 'envelope') items.push(...arrival.items);
          else if (arrival.kind === 'spans') spans.push(...arrival.spans);
        } catch {
          // Keep the raw request; tests can look at it.
        }
        signal.arrived();
        if (options.hang) return;
        const answer = (): void => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (options.retryAfter !== undefined) headers['retry-after'] = String(options.retryAfter);
          res.writeHead(options.status ?? 200, headers).end('{}');
        };
        if (options.delayMs) setTimeout(answer, options.delayMs);
        else answer();
      },
      () => undefined,
    ); // An aborted request: nothing arrived.
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handle) : createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const sink: Sink = {
    dsn: `${options.tls ? 'https' : 'http'}://${PUBLIC_KEY}@127.0.0.1:${port}/${PROJECT_ID}`,
    port,
    requests,
    items,
    spans,
    events: () => items.filter((i) => i.type === 'event').map((i) => i.payload),
    waitFor: (what, predicate, timeoutMs) => signal.waitFor(what, predicate, timeoutMs),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return sink;
}
