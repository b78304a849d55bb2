/**
 * `sentry-register sink`: a local receiver that speaks Sentry's ingest
 * protocol and prints what arrives, so that a laptop can see what the preload
 * sends without a Sentry: envelopes at `/api/<id>/envelope/` (errors,
 * messages, sessions, client reports) and OTLP/JSON spans at
 * `/api/<id>/integration/otlp/v1/traces/`. It answers every request with
 * 200 and keeps nothing. The test suites' sink (test/support/sink.ts) reads
 * requests with the same parsers.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

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

/** What one request carried, by the path it came to. */
export type Arrival =
  | { readonly kind: 'envelope'; readonly items: EnvelopeItem[] }
  | { readonly kind: 'spans'; readonly spans: SinkSpan[] }
  | { readonly kind: 'other' };

/** The request body as text, inflated when the SDK compressed it. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let raw = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding'];
  if (encoding === 'gzip') raw = gunzipSync(raw);
  else if (encoding === 'deflate') raw = inflateSync(raw);
  return raw.toString('utf8');
}

/** Parses a body by the ingest path it was sent to; throws on a malformed one. */
export function parseArrival(url: string, body: string): Arrival {
  if (/\/api\/\d+\/envelope\/?/.test(url)) return { kind: 'envelope', items: parseEnvelope(body) };
  if (/\/integration\/otlp\/v1\/traces\/?/.test(url)) return { kind: 'spans', spans: parseOtlpJson(body) };
  return { kind: 'other' };
}

function parseEnvelope(body: string): EnvelopeItem[] {
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

const SPAN_KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/** One line for an envelope item: what a person scanning a terminal needs. */
export function describeItem(item: EnvelopeItem): string {
  const p = item.payload;
  if (item.type === 'event') {
    const values = record(p['exception'])['values'];
    const last = Array.isArray(values) ? record(values[values.length - 1]) : undefined;
    const message = str(record(p['logentry'])['formatted'] ?? p['message']);
    const what = last ? `${str(last['type'])}: ${str(last['value'])}` : message;
    const trace = str(record(record(p['contexts'])['trace'])['trace_id']);
    const facts = [`release=${str(p['release']) || 'none'}`, `environment=${str(p['environment'])}`, ...(trace ? [`trace=${trace}`] : [])];
    return `event    ${str(p['level']) || 'error'} ${what}  (${facts.join(', ')})`;
  }
  if (item.type === 'sessions') {
    const buckets = Array.isArray(p['aggregates']) ? (p['aggregates'] as unknown[]).map(record) : [];
    const sum = (key: string): number => buckets.reduce((n, b) => n + (typeof b[key] === 'number' ? b[key] : 0), 0);
    return `sessions exited=${sum('exited')} errored=${sum('errored')} crashed=${sum('crashed')}`;
  }
  if (item.type === 'session') return `session  ${str(p['status'])} errors=${str(p['errors'])}`;
  if (item.type === 'client_report') {
    const discarded = Array.isArray(p['discarded_events']) ? (p['discarded_events'] as unknown[]).map(record) : [];
    const list = discarded.map((d) => `${str(d['reason'])}/${str(d['category'])}=${str(d['quantity'])}`).join(' ');
    return `report   discarded ${list || 'nothing'}`;
  }
  return `${item.type.padEnd(8)} ${str(item.header['filename'] ?? '')}`.trimEnd();
}

export function describeSpan(span: SinkSpan): string {
  const status = span.attributes['http.response.status_code'];
  return (
    `span     ${SPAN_KINDS[span.kind - 1] ?? 'span'} ${span.name}  (trace=${span.traceId}` +
    `${status === undefined ? '' : `, status=${str(status)}`}, service=${str(span.resource['service.name'])})`
  );
}

export interface SinkCommandOptions {
  readonly host: string;
  readonly port: number;
  /** One JSON object a line (each envelope item, each span) instead of a summary. */
  readonly json: boolean;
  readonly write: (line: string) => void;
}

/** Starts the receiver; resolves once it listens, with the DSN to give the preload. */
export async function startSinkCommand(options: SinkCommandOptions): Promise<{ readonly dsn: string; close(): Promise<void> }> {
  const { write } = options;
  const print = (arrival: Arrival): void => {
    if (arrival.kind === 'envelope') {
      for (const item of arrival.items)
        write(options.json ? JSON.stringify({ type: item.type, payload: item.payload }) : describeItem(item));
    } else if (arrival.kind === 'spans') {
      for (const span of arrival.spans) write(options.json ? JSON.stringify({ type: 'span', ...span }) : describeSpan(span));
    }
  };
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => print(parseArrival(req.url ?? '', body)))
      .catch((err: unknown) => write(`unreadable request to ${req.url ?? '?'}: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    dsn: `http://sink@${host}:${port}/1`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
