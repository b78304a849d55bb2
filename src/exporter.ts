/**
 * The span exporter to Sentry's OTLP ingest, configured from the DSN alone.
 *
 * `OTLPTraceExporter` (exporter-trace-otlp-http 0.223) layers the
 * `OTEL_EXPORTER_OTLP_*` environment under its options, so a collector's
 * `OTEL_EXPORTER_OTLP_HEADERS` (often credentials) would be sent to Sentry
 * too. This builds the same OTel export delegate (OTLP/JSON over HTTP) without
 * that environment layer.
 */
import { getSharedConfigurationDefaults, OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { createOtlpHttpExportDelegate, httpAgentFactoryFromOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { unrefAgent } from './delivery.js';

export interface OtlpEndpoint {
  readonly url: string;
  readonly headers: Record<string, string>;
}

export function sentryOtlpExporter(endpoint: OtlpEndpoint, ca?: readonly string[]): SpanExporter {
  const agents = httpAgentFactoryFromOptions({ keepAlive: true, ...(ca ? { ca: [...ca] } : {}) });
  const delegate = createOtlpHttpExportDelegate(
    {
      ...getSharedConfigurationDefaults(),
      url: endpoint.url,
      headers: async () => ({ ...endpoint.headers, 'Content-Type': 'application/json' }),
      // Unreferenced sockets: a hung ingest must not keep a finished process alive.
      agentFactory: (protocol) => Promise.resolve(agents(protocol)).then(unrefAgent),
    },
    JsonTraceSerializer,
    'otlp_http_span_exporter',
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase(delegate);
}
