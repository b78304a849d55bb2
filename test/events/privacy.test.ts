import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { isPrivateAttribute, maskIps, redactAttributes, RedactingSpanExporter, redactSpan } from '../../src/events/privacy.js';

describe('redactAttributes', () => {
  const dropped = [
    'client.address',
    'client.port',
    'network.peer.address',
    'network.peer.port',
    'user_agent.original',
    'url.query',
    'enduser.id',
    'http.request.header.cookie',
    'http.request.header.authorization',
    'http.response.header.set-cookie',
  ];
  for (const key of dropped) {
    test(`drops ${key}`, () => {
      assert.equal(isPrivateAttribute(key), true);
      assert.deepEqual(redactAttributes({ [key]: 'secret', 'http.route': '/x' }), { 'http.route': '/x' });
    });
  }

  const kept: Attributes = {
    'http.request.method': 'POST',
    'http.response.status_code': 200,
    'url.path': '/v1/query',
    'url.scheme': 'https',
    'server.address': 'api.example.com',
    'http.route': '/v1/query',
    'error.type': '500',
    retried: true,
    'list.attr': ['a', 'b'],
  };
  test('keeps everything else, values untouched', () => {
    assert.deepEqual(redactAttributes(kept), kept);
    for (const key of Object.keys(kept)) assert.equal(isPrivateAttribute(key), false, key);
  });

  const urls: Array<{ input: string; expected: string }> = [
    { input: 'https://api.example.com/v1/query?token=abc#frag', expected: 'https://api.example.com/v1/query' },
    { input: 'https://user:pass@api.example.com:8443/x?y=1', expected: 'https://api.example.com:8443/x' },
    { input: 'http://api.example.com/', expected: 'http://api.example.com/' },
    { input: '/relative/path?token=abc', expected: '/relative/path' },
    { input: 'not a url#frag', expected: 'not a url' },
  ];
  for (const c of urls) {
    test(`url.full ${c.input} -> ${c.expected}`, () => {
      assert.deepEqual(redactAttributes({ 'url.full': c.input }), { 'url.full': c.expected });
    });
  }

  test('does not change its input', () => {
    const input: Attributes = { 'client.address': '10.0.0.1', 'url.full': 'https://h/p?q=1' };
    redactAttributes(input);
    assert.deepEqual(input, { 'client.address': '10.0.0.1', 'url.full': 'https://h/p?q=1' });
  });
});

/** Records what it is given and answers with a chosen result. */
class RecordingExporter implements SpanExporter {
  readonly exported: ReadableSpan[] = [];
  shutdowns = 0;
  result: ExportResult = { code: ExportResultCode.SUCCESS };

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exported.push(...spans);
    resultCallback(this.result);
  }

  shutdown(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }
}

/** Real spans from the SDK: their methods live on the prototype. */
async function realSpans(attributes: Attributes): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('privacy-test').startSpan('POST /v1/query', { attributes }).end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

describe('RedactingSpanExporter', () => {
  const attributes: Attributes = {
    'http.request.method': 'POST',
    'client.address': '203.0.113.9',
    'user_agent.original': 'curl/8',
    'http.request.header.cookie': 'session=1',
    'url.full': 'https://u:p@api.example.com/v1/query?token=abc',
  };

  test('passes redacted spans, with working methods, to the inner exporter', async () => {
    const spans = await realSpans(attributes);
    assert.equal(spans.length, 1);
    const original = spans[0]!;
    const inner = new RecordingExporter();
    const results: ExportResult[] = [];
    new RedactingSpanExporter(inner).export(spans, (r) => results.push(r));

    assert.deepEqual(results, [{ code: ExportResultCode.SUCCESS }]);
    assert.equal(inner.exported.length, 1);
    const redacted = inner.exported[0]!;
    assert.deepEqual(redacted.attributes, { 'http.request.method': 'POST', 'url.full': 'https://api.example.com/v1/query' });
    assert.deepEqual(redacted.spanContext(), original.spanContext());
    assert.equal(redacted.name, 'POST /v1/query');
    assert.equal(redacted.attributes, Object.getOwnPropertyDescriptor(redacted, 'attributes')?.value, 'attributes shadowed on the copy');
    assert.equal(original.attributes['client.address'], '203.0.113.9', 'the original span is untouched');
  });

  test('passes the inner exporter’s result back', async () => {
    const inner = new RecordingExporter();
    inner.result = { code: ExportResultCode.FAILED, error: new Error('503') };
    const results: ExportResult[] = [];
    new RedactingSpanExporter(inner).export(await realSpans({}), (r) => results.push(r));
    assert.equal(results.length, 1);
    assert.equal(results[0]?.code, ExportResultCode.FAILED);
  });

  test('shutdown is delegated, forceFlush works without an inner forceFlush', async () => {
    const inner = new RecordingExporter();
    const exporter = new RedactingSpanExporter(inner);
    await exporter.forceFlush();
    await exporter.shutdown();
    assert.equal(inner.shutdowns, 1);
  });

  test('forceFlush is delegated when the inner exporter has one', async () => {
    let flushes = 0;
    const inner = Object.assign(new RecordingExporter(), {
      forceFlush: (): Promise<void> => {
        flushes++;
        return Promise.resolve();
      },
    });
    await new RedactingSpanExporter(inner).forceFlush();
    assert.equal(flushes, 1);
  });
});

describe('redactSpan', () => {
  test("masks the span's status message and its events' and links' attributes", async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('privacy-test');
    const other = tracer.startSpan('other');
    const span = tracer.startSpan('GET postgres://app:hunter2@db/x', {
      links: [{ context: other.spanContext(), attributes: { 'db.connection_string': 'redis://:hunter2@cache:6379' } }],
    });
    span.recordException(new Error('connect postgres://app:hunter2@10.0.0.5:5432/db failed for jane@example.com'));
    span.setStatus({ code: 2, message: 'failed for 078-05-1120' });
    span.end();
    other.end();
    await provider.forceFlush();
    const original = memory.getFinishedSpans().find((s) => s.name.startsWith('GET'))!;
    await provider.shutdown();

    const redacted = redactSpan(original);
    const text = JSON.stringify({ name: redacted.name, status: redacted.status, events: redacted.events, links: redacted.links });
    for (const secret of ['hunter2', 'jane@example.com', '078-05-1120']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.equal(redacted.name, 'GET postgres://[FILTERED]@db/x');
    assert.deepEqual(redacted.status, { code: 2, message: 'failed for [SSN]' });
    assert.equal(
      redacted.events[0]?.attributes?.['exception.message'],
      'connect postgres://[FILTERED]@10.0.0.5:5432/db failed for [EMAIL]',
    );
    assert.match(String(redacted.events[0]?.attributes?.['exception.stacktrace']), /^Error: connect postgres:\/\/\[FILTERED\]@/);
    assert.deepEqual(redacted.links[0]?.attributes, { 'db.connection_string': 'redis://[FILTERED]@cache:6379' });
    assert.deepEqual(redacted.spanContext(), original.spanContext());
    assert.ok(String(original.events[0]?.attributes?.['exception.message']).includes('hunter2'), 'the original span is untouched');
  });
});

describe('maskIps', () => {
  const cases: Array<{ input: unknown; expected: unknown }> = [
    { input: '10.0.0.1', expected: '[IP]' },
    { input: 'from 203.0.113.9 and 2001:db8::1', expected: 'from [IP] and [IP]' },
    { input: '::ffff:192.0.2.1', expected: '[IP]' },
    { input: 'version 1.2.3', expected: 'version 1.2.3' },
    { input: '999.1.1.1', expected: '999.1.1.1' },
    { input: 'at 10:30:00', expected: 'at 10:30:00' },
    { input: 'cafe', expected: 'cafe' },
    { input: { a: ['10.0.0.1', 5], b: { c: 'x 127.0.0.1' } }, expected: { a: ['[IP]', 5], b: { c: 'x [IP]' } } },
    { input: 42, expected: 42 },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.input)} -> ${JSON.stringify(c.expected)}`, () => {
      assert.deepEqual(maskIps(c.input), c.expected);
    });
  }
});
