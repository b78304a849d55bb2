/**
 * OTLP/HTTP span exporters, configured from explicit options only.
 *
 * `OTLPTraceExporter` (exporter-trace-otlp-http/-proto 0.223) layers the
 * `OTEL_EXPORTER_OTLP_*` environment under its options, so a collector's
 * `OTEL_EXPORTER_OTLP_HEADERS` (often credentials) would be sent to Sentry
 * too. This builds the same OTel export delegate without that environment
 * layer; the collector's settings come from the config reader instead.
 */
import { readFileSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import { getSharedConfigurationDefaults, OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { createOtlpHttpExportDelegate, httpAgentFactoryFromOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { loadCaBundle } from './ca.js';
import { COLLECTOR_LABEL, failureLine, ReportedExportError, SENTRY_LABEL, unrefAgent } from './delivery.js';
import type { Logger } from '../preload/log.js';
import type { CollectorConfig, FileSetting, OtlpProtocol } from '../preload/otel-env.js';

export interface OtlpEndpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

interface OtlpExporterOptions extends OtlpEndpoint {
  readonly protocol: OtlpProtocol;
  /**
   * Per export, retries included. OTel's retry timers are referenced, so
   * while an export retries against a backend that is down, a process that
   * has finished its work stays up until this deadline.
   */
  readonly timeoutMs: number;
  readonly compression?: 'gzip' | 'none';
  /** TLS options for the agent: `ca`, `cert`, `key`. */
  readonly tls?: Pick<AgentOptions, 'ca' | 'cert' | 'key'>;
  /**
   * Told of every failed export, with one line of why, and the backend's name
   * to put on the error: OTel's error handler alone misses failures during a
   * flush (forceFlush rejects to its caller), and cannot tell backends apart.
   */
  readonly failures?: { readonly label: string; readonly report: (detail: string) => void };
}

const SERIALIZERS = {
  'http/protobuf': { serializer: ProtobufTraceSerializer, contentType: 'application/x-protobuf' },
  'http/json': { serializer: JsonTraceSerializer, contentType: 'application/json' },
} as const;

function otlpExporter(options: OtlpExporterOptions): SpanExporter {
  const { serializer, contentType } = SERIALIZERS[options.protocol];
  const agents = httpAgentFactoryFromOptions({ keepAlive: true, ...options.tls });
  const delegate = createOtlpHttpExportDelegate(
    {
      ...getSharedConfigurationDefaults(),
      timeoutMillis: options.timeoutMs,
      compression: options.compression ?? 'none',
      url: options.url,
      headers: () => Promise.resolve({ ...options.headers, 'Content-Type': contentType }),
      // Unreferenced sockets: a hung backend must not keep a finished process alive.
      agentFactory: (protocol) => Promise.resolve(agents(protocol)).then(unrefAgent),
    },
    serializer,
    'otlp_http_span_exporter',
    TraceExporterMetricsHelper,
    undefined,
  );
  const exporter = new OTLPExporterBase<ReadableSpan[]>(delegate);
  return options.failures ? new ReportingExporter(exporter, options.failures.label, options.failures.report) : exporter;
}

/** The span exporter to Sentry's OTLP ingest, configured from the DSN alone. */
export function sentryOtlpExporter(
  endpoint: OtlpEndpoint,
  timeoutMs: number,
  ca?: readonly string[],
  onFailure?: (detail: string) => void,
): SpanExporter {
  // Sentry's OTLP ingest takes OTLP/JSON.
  return otlpExporter({
    ...endpoint,
    protocol: 'http/json',
    timeoutMs,
    ...(ca ? { tls: { ca: [...ca] } } : {}),
    ...(onFailure ? { failures: { label: SENTRY_LABEL, report: onFailure } } : {}),
  });
}

/**
 * The exporter to the second backend (`OTEL_EXPORTER_OTLP_*`). Its timeout
 * defaults to the shutdown budget rather than OTLP's 10 s: OTel retries a
 * refused export with referenced timers until that deadline, and a job that
 * has finished must not wait on a collector that is down.
 */
export function collectorExporter(
  config: CollectorConfig,
  defaultTimeoutMs: number,
  log: Pick<Logger, 'warn'>,
  onFailure?: (detail: string) => void,
): SpanExporter {
  const ca = config.certificate ? loadCaBundle(config.certificate.path, log, config.certificate.variable)?.ca : undefined;
  const cert = readPem(config.clientCertificate, log);
  const key = readPem(config.clientKey, log);
  return otlpExporter({
    url: config.url,
    headers: config.headers,
    protocol: config.protocol,
    timeoutMs: config.timeoutMs ?? defaultTimeoutMs,
    compression: config.compression,
    tls: { ...(ca ? { ca: [...ca] } : {}), ...(cert && key ? { cert, key } : {}) },
    ...(onFailure ? { failures: { label: COLLECTOR_LABEL, report: onFailure } } : {}),
  });
}

function readPem(setting: FileSetting | undefined, log: Pick<Logger, 'warn'>): string | undefined {
  if (setting === undefined) return undefined;
  try {
    return readFileSync(setting.path, 'utf8');
  } catch {
    log.warn(`${setting.variable} file not readable at ${setting.path}; connecting to the OTLP collector without a client certificate`);
    return undefined;
  }
}

/** Reports each failed export, then passes it on marked as reported (delivery.ts). */
class ReportingExporter implements SpanExporter {
  private readonly _inner: SpanExporter;
  private readonly _label: string;
  private readonly _report: (detail: string) => void;

  constructor(inner: SpanExporter, label: string, report: (detail: string) => void) {
    this._inner = inner;
    this._label = label;
    this._report = report;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this._inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) return resultCallback(result);
      this._report(result.error ? failureLine(result.error) : 'export failed');
      resultCallback({ ...result, error: new ReportedExportError(this._label, result.error) });
    });
  }

  shutdown(): Promise<void> {
    return this._inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this._inner.forceFlush?.() ?? Promise.resolve();
  }
}
