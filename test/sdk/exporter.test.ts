/**
 * The OTLP exporters, real ones against the local receiver: the protocol's
 * encoding and content type, headers, gzip, and failures reported once per
 * backend with a label the diag watcher knows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { COLLECTOR_LABEL } from '../../src/sdk/delivery.js';
import { collectorExporter } from '../../src/sdk/exporter.js';
import type { CollectorConfig } from '../../src/preload/otel-env.js';
import { startCollector } from '../support/collector.js';
import { closedPort } from '../support/ports.js';

function someSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'exporter-test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('t');
  for (const name of ['one', 'two']) tracer.startSpan(name, { attributes: { n: name.length } }).end();
  return memory.getFinishedSpans();
}

const exportOnce = (exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> =>
  new Promise((resolve) => exporter.export(spans, resolve));

const collectorConfig = (url: string, overrides: Partial<CollectorConfig> = {}): CollectorConfig => ({
  url,
  host: new URL(url).host,
  source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  protocol: 'http/protobuf',
  headers: {},
  timeoutMs: undefined,
  compression: 'none',
  certificate: undefined,
  clientCertificate: undefined,
  clientKey: undefined,
  ...overrides,
});

describe('collectorExporter', () => {
  const cases = [
    { protocol: 'http/protobuf', compression: 'none', contentType: 'application/x-protobuf', encoding: undefined },
    { protocol: 'http/protobuf', compression: 'gzip', contentType: 'application/x-protobuf', encoding: 'gzip' },
    { protocol: 'http/json', compression: 'none', contentType: 'application/json', encoding: undefined },
    { protocol: 'http/json', compression: 'gzip', contentType: 'application/json', encoding: 'gzip' },
  ] as const;
  for (const c of cases) {
    test(`${c.protocol}, compression ${c.compression}: the spans arrive whole, with the headers`, async () => {
      const collector = await startCollector();
      try {
        const spans = someSpans();
        const exporter = collectorExporter(
          collectorConfig(`${collector.url}/v1/traces`, {
            protocol: c.protocol,
            compression: c.compression,
            headers: { 'x-api-key': 'k1' },
          }),
          1800,
          { warn: (m) => assert.fail(m) },
        );
        const result = await exportOnce(exporter, spans);
        assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
        await exporter.shutdown();
        const [request] = collector.requests;
        assert.equal(request?.contentType, c.contentType);
        assert.equal(request?.encoding, c.encoding);
        assert.equal(request?.headers['x-api-key'], 'k1');
        assert.deepEqual(
          collector.spans.map((s) => [s.traceId, s.spanId, s.name, s.attributes['n'], s.resource['service.name']]),
          spans.map((s) => [s.spanContext().traceId, s.spanContext().spanId, s.name, s.name.length, 'exporter-test']),
        );
      } finally {
        await collector.close();
      }
    });
  }

  test('a refused backend: the failure is reported once, as one line, and labelled for the diag watcher', async () => {
    const reported: string[] = [];
    const exporter = collectorExporter(
      collectorConfig(`http://127.0.0.1:${await closedPort()}/v1/traces`),
      300,
      { warn: assert.fail },
      (d) => reported.push(d),
    );
    const result = await exportOnce(exporter, someSpans());
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.match(result.error?.message ?? '', new RegExp(`^${COLLECTOR_LABEL}: .*ECONNREFUSED`));
    assert.equal(reported.length, 1);
    assert.match(reported[0] ?? '', /ECONNREFUSED/);
    assert.doesNotMatch(reported[0] ?? '', /\n/);
  });

  test('an unreadable client key or CA file: one warning naming the variable, and the export still goes out', async () => {
    const collector = await startCollector();
    try {
      const warnings: string[] = [];
      const exporter = collectorExporter(
        collectorConfig(`${collector.url}/v1/traces`, {
          certificate: { variable: 'OTEL_EXPORTER_OTLP_CERTIFICATE', path: '/nonexistent/ca.pem' },
          clientCertificate: { variable: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE', path: '/nonexistent/client.pem' },
          clientKey: { variable: 'OTEL_EXPORTER_OTLP_CLIENT_KEY', path: '/nonexistent/client.key' },
        }),
        1800,
        { warn: (m) => warnings.push(m) },
      );
      assert.equal(warnings.length, 3, warnings.join('\n'));
      assert.match(warnings[0] ?? '', /OTEL_EXPORTER_OTLP_CERTIFICATE/);
      assert.match(warnings[1] ?? '', /OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE/);
      assert.match(warnings[2] ?? '', /OTEL_EXPORTER_OTLP_CLIENT_KEY/);
      assert.equal((await exportOnce(exporter, someSpans())).code, ExportResultCode.SUCCESS);
    } finally {
      await collector.close();
    }
  });
});
