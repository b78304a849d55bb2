/**
 * The local OTLP receiver in test/support: its protobuf decoder reads what the
 * real OTel serializer writes the same way parseOtlpJson reads OTel's JSON,
 * and the server records, decodes and answers as configured.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parseOtlpJson } from '../src/cli/sink.js';
import type { SinkSpan } from './support/sink.js';
import { parseOtlpProtobuf, startCollector } from './support/collector.js';
import type { Collector, CollectorOptions } from './support/collector.js';

// OTLP's SpanKind enum is the API's plus one (0 is UNSPECIFIED on the wire).
const OTLP_SERVER = 2;
const OTLP_CLIENT = 3;

const RESOURCE: Attributes = {
  'service.name': 'orders',
  'service.instance.count': 3,
  'deployment.canary': true,
  'host.load': 0.75,
  'service.tags': ['blue', 'eu-west'],
};
const SERVER_ATTRIBUTES: Attributes = {
  'http.request.method': 'GET',
  'url.path': '/orders/café ☕',
  'http.response.status_code': 200,
  'orders.offset': -42,
  'orders.bytes': 2 ** 40,
  'orders.ratio': 0.25,
  'orders.cached': false,
  'orders.ids': [1, -2, 3],
  'orders.flags': [true, false],
};
const CLIENT_ATTRIBUTES: Attributes = {
  'db.system.name': 'postgresql',
  'server.port': 5432,
  'db.latencies': [0.5, 1.5],
  'db.tables': ['orders', 'lines'],
};

let spans: ReadableSpan[];
let expected: SinkSpan[];
let protobuf: Uint8Array;
let json: Uint8Array;

/** A SERVER span and its CLIENT child from the real SDK, ended child first. */
before(async () => {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('collector-test');
  const server = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, attributes: SERVER_ATTRIBUTES });
  tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: CLIENT_ATTRIBUTES }, trace.setSpan(ROOT_CONTEXT, server)).end();
  server.end();
  await provider.forceFlush();
  spans = memory.getFinishedSpans();
  await provider.shutdown();

  const [client, root] = spans;
  assert.ok(client && root, 'the SDK finished two spans');
  const traceId = root.spanContext().traceId;
  expected = [
    {
      traceId,
      spanId: client.spanContext().spanId,
      parentSpanId: root.spanContext().spanId,
      name: 'SELECT orders',
      kind: OTLP_CLIENT,
      attributes: CLIENT_ATTRIBUTES,
      resource: RESOURCE,
    },
    {
      traceId,
      spanId: root.spanContext().spanId,
      parentSpanId: undefined,
      name: 'GET /orders',
      kind: OTLP_SERVER,
      attributes: SERVER_ATTRIBUTES,
      resource: RESOURCE,
    },
  ];
  const p = ProtobufTraceSerializer.serializeRequest(spans);
  const j = JsonTraceSerializer.serializeRequest(spans);
  assert.ok(p && j, 'both serializers produced a request');
  protobuf = p;
  json = j;
});

describe('parseOtlpProtobuf against the OTel serializers', () => {
  const decoders: Array<{ encoding: string; decode: () => SinkSpan[] }> = [
    { encoding: 'protobuf', decode: () => parseOtlpProtobuf(protobuf) },
    { encoding: 'JSON', decode: () => parseOtlpJson(new TextDecoder().decode(json)) },
  ];
  for (const { encoding, decode } of decoders) {
    test(`OTLP ${encoding} gives the SDK's ids, parent, names, kinds, attributes and resource`, () => {
      const got = decode();
      assert.deepEqual(got, expected);
      for (const s of got) {
        assert.match(s.traceId, /^[0-9a-f]{32}$/);
        assert.match(s.spanId, /^[0-9a-f]{16}$/);
      }
    });
  }

  test('protobuf and JSON decode to the same span list', () => {
    assert.deepEqual(parseOtlpProtobuf(protobuf), parseOtlpJson(new TextDecoder().decode(json)));
  });
});

/** Hand-built protobuf, for inputs OTel's serializer never writes. */
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}
const tag = (field: number, wire: number): number[] => varint((field << 3) | wire);
const len = (field: number, body: number[]): number[] => [...tag(field, 2), ...varint(body.length), ...body];
const str = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const keyValue = (key: string, anyValue: number[]): number[] => [...len(1, str(key)), ...len(2, anyValue)];
const bytes = (parts: number[]): Uint8Array => Uint8Array.from(parts);

describe('parseOtlpProtobuf on hand-built input', () => {
  const traceId = Array.from({ length: 16 }, (_, i) => i + 0xa0);
  const spanId = Array.from({ length: 8 }, (_, i) => i + 0xb0);
  const traceHex = Buffer.from(traceId).toString('hex');
  const spanHex = Buffer.from(spanId).toString('hex');
  // A root span whose parent_span_id is present but empty, in a ResourceSpans
  // that lists its resource after its scope_spans; field order is free in protobuf.
  const lateResource = [
    ...len(2, len(2, [...len(1, traceId), ...len(2, spanId), ...len(4, []), ...len(5, str('root'))])),
    ...len(1, len(1, keyValue('service.name', len(1, str('late'))))),
  ];
  const unknownFields = [
    ...tag(15, 0),
    ...varint(300),
    ...tag(14, 1),
    ...[1, 2, 3, 4, 5, 6, 7, 8],
    ...tag(13, 5),
    ...[1, 2, 3, 4],
    ...len(12, str('ignored')),
  ];
  const rootSpan = (attributes: Record<string, unknown>, resource: Record<string, unknown>): SinkSpan => ({
    traceId: traceHex,
    spanId: spanHex,
    parentSpanId: undefined,
    name: 'root',
    kind: 0,
    attributes,
    resource,
  });
  // `want` is a function because `expected` only exists once `before` has run.
  const cases: Array<{ name: string; input: () => Uint8Array; want: () => SinkSpan[] }> = [
    { name: 'an empty body is an empty request', input: () => bytes([]), want: () => [] },
    {
      name: 'empty parent_span_id means no parent, and a late resource still applies',
      input: () => bytes(len(1, lateResource)),
      want: () => [rootSpan({}, { 'service.name': 'late' })],
    },
    {
      name: 'unknown fields of every wire type are skipped',
      input: () => Uint8Array.from([...unknownFields, ...protobuf, ...unknownFields]),
      want: () => expected,
    },
    {
      name: 'kvlist and bytes values read as undefined, as parseOtlpJson reads them',
      input: () =>
        bytes(
          len(
            1,
            len(
              2,
              len(2, [
                ...len(1, traceId),
                ...len(2, spanId),
                ...len(5, str('root')),
                ...len(9, keyValue('map', len(6, len(1, keyValue('a', len(1, str('b'))))))),
                ...len(9, keyValue('raw', len(7, [1, 2]))),
              ]),
            ),
          ),
        ),
      want: () => [rootSpan({ map: undefined, raw: undefined }, {})],
    },
  ];
  for (const { name, input, want } of cases) {
    test(name, () => assert.deepEqual(parseOtlpProtobuf(input()), want()));
  }

  const broken: Array<{ name: string; input: number[]; error: RegExp }> = [
    { name: 'a truncated length', input: [0x0a, 0x05, 0x01], error: /truncated length-delimited/ },
    { name: 'a truncated varint', input: [...tag(15, 0), 0x80], error: /truncated varint/ },
    { name: 'a known field with the wrong wire type', input: [...tag(1, 0), 1], error: /field 1 has wire type 0, expected 2/ },
    { name: 'a proto2 group', input: tag(20, 3), error: /unsupported wire type 3/ },
    { name: 'a span name that is not UTF-8', input: len(1, len(2, len(2, len(5, [0xff, 0xfe])))), error: /encoded data was not valid/ },
  ];
  for (const { name, input, error } of broken) {
    test(`throws on ${name}`, () => assert.throws(() => parseOtlpProtobuf(bytes(input)), error));
  }
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** POSTs `body` to the collector; `answer` rejects if the connection ends without one. */
function send(url: string, body: Uint8Array, headers: Record<string, string>): { answer: Promise<Answer>; abort(): void } {
  const req = request(`${url}/v1/traces`, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
  });
  req.end(body);
  return { answer, abort: () => req.destroy() };
}

async function withCollector(options: CollectorOptions, run: (c: Collector) => Promise<void>): Promise<void> {
  const collector = await startCollector(options);
  try {
    await run(collector);
  } finally {
    await collector.close();
  }
}

describe('startCollector', () => {
  const bodies: Array<{ name: string; headers: Record<string, string>; body: () => Uint8Array; answerType: string; answerBody: string }> = [
    {
      name: 'gzip-compressed protobuf',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      body: () => gzipSync(protobuf),
      answerType: 'application/x-protobuf',
      answerBody: '',
    },
    {
      name: 'plain JSON',
      headers: { 'content-type': 'application/json' },
      body: () => json,
      answerType: 'application/json',
      answerBody: '{}',
    },
    {
      name: 'gzip-compressed JSON with a charset',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      body: () => gzipSync(json),
      answerType: 'application/json',
      answerBody: '{}',
    },
  ];
  for (const { name, headers, body, answerType, answerBody } of bodies) {
    test(`records and answers ${name}`, () =>
      withCollector({}, async (collector) => {
        const sent = body();
        const answer = await send(collector.url, sent, headers).answer;
        assert.equal(answer.status, 200);
        assert.equal(answer.headers['content-type'], answerType);
        assert.equal(answer.body, answerBody);
        assert.equal(collector.requests.length, 1);
        const [req] = collector.requests;
        assert.equal(req?.method, 'POST');
        assert.equal(req?.url, '/v1/traces');
        assert.equal(req?.contentType, answerType);
        assert.equal(req?.encoding, headers['content-encoding']);
        assert.equal(req?.bytes, sent.length);
        assert.deepEqual(collector.spans, expected);
        assert.equal(collector.malformed, 0);
      }));
  }

  const answers: Array<{ options: CollectorOptions; status: number; atLeastMs: number }> = [
    { options: { status: 503 }, status: 503, atLeastMs: 0 },
    // Timers fire on whole-millisecond loop time, so allow a little slack.
    { options: { delayMs: 100 }, status: 200, atLeastMs: 95 },
  ];
  for (const { options, status, atLeastMs } of answers) {
    test(`answers ${JSON.stringify(options)} with ${status}`, () =>
      withCollector(options, async (collector) => {
        const started = performance.now();
        const answer = await send(collector.url, protobuf, { 'content-type': 'application/x-protobuf' }).answer;
        assert.equal(answer.status, status);
        assert.ok(performance.now() - started >= atLeastMs, `answered after ${atLeastMs} ms at the earliest`);
        assert.equal(collector.spans.length, 2, 'the spans are recorded whatever the answer');
      }));
  }

  // Closing the collector once the request is recorded is the barrier: an
  // answer would already have been written by then (it goes out in the same
  // tick that records the request), so the client sees it or sees the
  // connection drop. Aborting from the client alone could not tell the two apart.
  const hangs: Array<{ hang: boolean; outcome: string }> = [
    { hang: true, outcome: 'no answer' },
    { hang: false, outcome: 'status 200' },
  ];
  for (const { hang, outcome } of hangs) {
    test(`hang: ${hang} gives ${outcome}`, async () => {
      const collector = await startCollector({ hang });
      const { answer, abort } = send(collector.url, protobuf, { 'content-type': 'application/x-protobuf' });
      try {
        await collector.waitFor('the request', (c) => c.requests.length === 1);
        assert.equal(collector.spans.length, 2, 'a hung request is still decoded');
      } catch (error) {
        abort();
        throw error;
      } finally {
        await collector.close();
      }
      const got = await answer.then(
        (a) => `status ${a.status}`,
        () => 'no answer',
      );
      assert.equal(got, outcome);
    });
  }

  test('keeps malformed bodies, counts them, answers, and carries on', () =>
    withCollector({}, async (collector) => {
      const bad: Array<{ headers: Record<string, string>; body: Uint8Array }> = [
        { headers: { 'content-type': 'application/x-protobuf' }, body: bytes([0x0a, 0x05, 0x01]) },
        { headers: { 'content-type': 'application/json' }, body: Buffer.from('not json') },
        { headers: { 'content-type': 'application/json' }, body: Buffer.from('null') },
        { headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body: Buffer.from('not gzip') },
        { headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello') },
      ];
      for (const { headers, body } of bad) {
        assert.equal((await send(collector.url, body, headers).answer).status, 200);
      }
      assert.equal(collector.malformed, bad.length);
      assert.deepEqual(
        collector.requests.map((r) => [...r.body]),
        bad.map((b) => [...b.body]),
      );
      assert.equal(collector.spans.length, 0);

      await send(collector.url, protobuf, { 'content-type': 'application/x-protobuf' }).answer;
      assert.equal(collector.spans.length, 2, 'a good request after bad ones is decoded');
      assert.equal(collector.malformed, bad.length);
    }));

  test('waitFor resolves at once when already true, and times out saying what arrived', () =>
    withCollector({}, async (collector) => {
      await collector.waitFor('nothing', () => true);
      await send(collector.url, protobuf, { 'content-type': 'application/x-protobuf' }).answer;
      await assert.rejects(
        collector.waitFor('three spans', (c) => c.spans.length >= 3, 50),
        /timed out waiting for three spans; got 2 spans, 1 requests \(0 malformed\)/,
      );
    }));
});
