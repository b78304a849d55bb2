/**
 * A local Sentry-protocol sink: accepts envelopes at `/api/<id>/envelope/` and
 * OTLP/JSON traces at `/api/<id>/integration/otlp/v1/traces/`, records what
 * arrives, and lets tests wait for a real signal (a request at the sink).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface SinkRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface EnvelopeItem {
  readonly type: string;
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  /** The envelope's header (dsn, sdk, trace). */
  readonly envelope: Record<string, unknown>;
}

export interface SinkSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
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
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'];
      if (encoding === 'gzip') raw = gunzipSync(raw);
      else if (encoding === 'deflate') raw = inflateSync(raw);
      const body = raw.toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      try {
        if (/\/api\/\d+\/envelope\/?/.test(req.url ?? '')) items.push(...parseEnvelope(body));
        else if (/\/integration\/otlp\/v1\/traces\/?/.test(req.url ?? '')) spans.push(...parseOtlpJson(body));
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
    });
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

export function parseEnvelope(body: string): EnvelopeItem[] {
  const lines = body.split('\n');
  const envelope = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  const out: EnvelopeItem[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    if (!lines[i]) break;
    const header = JSON.parse(lines[i] as string) as Record<string, unknown>;
    let payload: Record<string, unknown> = {};
    try {
      payload = JSON.parse(lines[i + 1] ?? '{}') as Record<string, unknown>;
    } catch {
      // Attachments are not JSON.
    }
    out.push({ type: String(header['type']), header, payload, envelope });
  }
  return out;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

function fromOtlpValue(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(fromOtlpValue);
  return undefined;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, fromOtlpValue(kv.value)]));
}

export function parseOtlpJson(body: string): SinkSpan[] {
  const doc = JSON.parse(body) as {
    resourceSpans?: Array<{
      resource?: { attributes?: OtlpKeyValue[] };
      scopeSpans?: Array<{
        spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpKeyValue[] }>;
      }>;
    }>;
  };
  const out: SinkSpan[] = [];
  for (const rs of doc.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          kind: s.kind,
          attributes: attributesOf(s.attributes),
          resource,
        });
      }
    }
  }
  return out;
}
