/**
 * A local OTLP/HTTP trace receiver, standing in for an OpenTelemetry
 * Collector, Jaeger or Tempo: accepts `POST /v1/traces` in protobuf or JSON,
 * plain or gzip, records what arrives, and lets tests wait for a real signal
 * (a request at the receiver).
 *
 * The protobuf decoder here is deliberately independent of OpenTelemetry:
 * tests use it to check the bytes OTel's own serializer puts on the wire, so
 * it must not share that serializer's assumptions.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { parseOtlpJson } from '../../src/cli/sink.js';
import { arrivals } from './sink.js';
import type { SinkSpan } from './sink.js';

export interface CollectorRequest {
  readonly method: string;
  /** The path as sent; exporters differ on where they post, so tests can check it. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The media type without parameters (`application/json; charset=utf-8` → `application/json`). */
  readonly contentType: string | undefined;
  /** The `content-encoding` header, if any. */
  readonly encoding: string | undefined;
  /** Body size on the wire, before decompression. */
  readonly bytes: number;
  /** The body after decompression (the raw bytes when decompression failed). */
  readonly body: Buffer;
}

export interface Collector {
  /** `http://127.0.0.1:<port>`; exporters want `${url}/v1/traces`. */
  readonly url: string;
  readonly port: number;
  readonly requests: CollectorRequest[];
  readonly spans: SinkSpan[];
  /** Requests whose body could not be decompressed or decoded. */
  readonly malformed: number;
  /** Resolves when `predicate` holds; rejects after `timeoutMs` with what did arrive. */
  waitFor(what: string, predicate: (collector: Collector) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface CollectorOptions {
  /** HTTP status to answer with. */
  readonly status?: number;
  /** Answer only after this many milliseconds. */
  readonly delayMs?: number;
  /** Accept requests and never answer them. */
  readonly hang?: boolean;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const requests: CollectorRequest[] = [];
  const spans: SinkSpan[] = [];
  let malformed = 0;
  const signal = arrivals<Collector>(
    () => collector,
    (what) => `collector: timed out waiting for ${what}; got ${spans.length} spans, ${requests.length} requests (${malformed} malformed)`,
  );

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined;
      const encoding = req.headers['content-encoding']?.trim().toLowerCase() || undefined;
      let body: Buffer = raw;
      try {
        body = decompress(raw, encoding);
        spans.push(...decode(body, contentType));
      } catch {
        // Keep the raw request; a test about bad bytes wants to look at them.
        // The answer stays as configured, so the exporter under test sees the
        // same reply either way and the test checks `malformed` instead.
        malformed++;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, contentType, encoding, bytes: raw.length, body });
      signal.arrived();
      if (options.hang) return;
      // An empty ExportTraceServiceResponse, in the request's encoding: zero
      // bytes is a valid protobuf message, `{}` the JSON equivalent.
      const answer = (): void => {
        const protobuf = contentType === PROTOBUF;
        const payload = protobuf ? Buffer.alloc(0) : Buffer.from('{}');
        res
          .writeHead(options.status ?? 200, { 'content-type': protobuf ? PROTOBUF : JSON_TYPE, 'content-length': payload.length })
          .end(payload);
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  };
  const server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const collector: Collector = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    spans,
    get malformed() {
      return malformed;
    },
    waitFor: (what, predicate, timeoutMs) => signal.waitFor(what, predicate, timeoutMs),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return collector;
}

function decompress(raw: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined || encoding === 'identity') return raw;
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  throw new Error(`collector: unsupported content-encoding ${encoding}`);
}

function decode(body: Buffer, contentType: string | undefined): SinkSpan[] {
  if (contentType === PROTOBUF) return parseOtlpProtobuf(body);
  if (contentType === JSON_TYPE) {
    // OTLP/JSON ids are hex (not base64 as in generic protobuf JSON); lowercase
    // them so both encodings compare equal.
    return parseOtlpJson(body.toString('utf8')).map((s) => ({
      ...s,
      traceId: s.traceId.toLowerCase(),
      spanId: s.spanId.toLowerCase(),
      parentSpanId: s.parentSpanId?.toLowerCase(),
    }));
  }
  throw new Error(`collector: unsupported content-type ${contentType ?? '(none)'}`);
}

// Protobuf wire format (https://protobuf.dev/programming-guides/encoding/).
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** Reads one message's fields in order; throws on truncated or invalid input. */
class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** A varint as its 64 raw bits; int64 callers reinterpret the sign. */
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new Error('protobuf: truncated varint');
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  /** A varint used as a length or tag, where anything past 2^53 is corruption. */
  size(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('protobuf: length out of range');
    return Number(v);
  }

  tag(): { field: number; wire: number } {
    const t = this.size();
    const field = Math.floor(t / 8);
    if (field === 0) throw new Error('protobuf: field number 0');
    return { field, wire: t % 8 };
  }

  bytes(): Uint8Array {
    const len = this.size();
    if (this.pos + len > this.buf.length) throw new Error('protobuf: truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === I64) this.advance(8);
    else if (wire === LEN) this.bytes();
    else if (wire === I32) this.advance(4);
    // Groups (3, 4) are proto2-only and never appear in OTLP.
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('protobuf: truncated fixed-width field');
  }

  private advance(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/** Calls `onField` for each field, checking the wire type of the fields it names. */
function fields(buf: Uint8Array, expected: Record<number, number>, onField: (field: number, r: Reader) => void): void {
  const r = new Reader(buf);
  while (!r.done) {
    const { field, wire } = r.tag();
    const want = expected[field];
    if (want === undefined) {
      r.skip(wire);
      continue;
    }
    // A known field with the wrong wire type means the sender's schema is not
    // OTLP's; say so rather than decode garbage.
    if (wire !== want) throw new Error(`protobuf: field ${field} has wire type ${wire}, expected ${want}`);
    onField(field, r);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** opentelemetry/proto/common/v1/common.proto AnyValue (a oneof: the last field wins). */
function anyValue(buf: Uint8Array): unknown {
  let value: unknown;
  fields(buf, { 1: LEN, 2: VARINT, 3: VARINT, 4: I64, 5: LEN, 6: LEN, 7: LEN }, (field, r) => {
    if (field === 1) value = utf8.decode(r.bytes());
    else if (field === 2) value = r.varint() !== 0n;
    else if (field === 3) value = Number(BigInt.asIntN(64, r.varint()));
    else if (field === 4) value = r.double();
    else if (field === 5) value = arrayValue(r.bytes());
    else {
      // kvlist_value and bytes_value: parseOtlpJson leaves them undefined, and
      // both decoders must agree on the same spans.
      r.bytes();
      value = undefined;
    }
  });
  return value;
}

/** ArrayValue { repeated AnyValue values = 1 } */
function arrayValue(buf: Uint8Array): unknown[] {
  const out: unknown[] = [];
  fields(buf, { 1: LEN }, (_field, r) => out.push(anyValue(r.bytes())));
  return out;
}

/** KeyValue { string key = 1; AnyValue value = 2 }, added to `into`. */
function keyValue(buf: Uint8Array, into: Record<string, unknown>): void {
  let key = '';
  let value: unknown;
  fields(buf, { 1: LEN, 2: LEN }, (field, r) => {
    if (field === 1) key = utf8.decode(r.bytes());
    else value = anyValue(r.bytes());
  });
  into[key] = value;
}

/** Resource { repeated KeyValue attributes = 1 } */
function resourceOf(buf: Uint8Array, into: Record<string, unknown>): void {
  fields(buf, { 1: LEN }, (_field, r) => keyValue(r.bytes(), into));
}

/** Span, less the fields SinkSpan has no room for (times, events, links, status). */
function span(buf: Uint8Array, resource: Record<string, unknown>): SinkSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId: string | undefined;
  let name = '';
  let kind = 0;
  const attributes: Record<string, unknown> = {};
  fields(buf, { 1: LEN, 2: LEN, 4: LEN, 5: LEN, 6: VARINT, 9: LEN }, (field, r) => {
    if (field === 1) traceId = hex(r.bytes());
    else if (field === 2) spanId = hex(r.bytes());
    // proto3 reads empty bytes as unset, but a sender may still write the field.
    else if (field === 4) parentSpanId = hex(r.bytes()) || undefined;
    else if (field === 5) name = utf8.decode(r.bytes());
    else if (field === 6) kind = Number(BigInt.asIntN(32, r.varint()));
    else keyValue(r.bytes(), attributes);
  });
  return { traceId, spanId, parentSpanId, name, kind, attributes, resource };
}

/** ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2 } */
function scopeSpans(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  fields(buf, { 2: LEN }, (_field, r) => out.push(r.bytes()));
  return out;
}

/** ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2 } */
function resourceSpans(buf: Uint8Array): SinkSpan[] {
  const resource: Record<string, unknown> = {};
  const raw: Uint8Array[] = [];
  // Fields may come in any order, so spans are built once the resource is known.
  fields(buf, { 1: LEN, 2: LEN }, (field, r) => {
    if (field === 1) resourceOf(r.bytes(), resource);
    else raw.push(...scopeSpans(r.bytes()));
  });
  return raw.map((s) => span(s, resource));
}

/**
 * Decodes an OTLP ExportTraceServiceRequest
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto:
 * `repeated ResourceSpans resource_spans = 1`). Throws on malformed input.
 */
export function parseOtlpProtobuf(bytes: Uint8Array): SinkSpan[] {
  const out: SinkSpan[] = [];
  fields(bytes, { 1: LEN }, (_field, r) => out.push(...resourceSpans(r.bytes())));
  return out;
}
