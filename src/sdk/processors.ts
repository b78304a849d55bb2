/**
 * What carries a sampled span to its backends: one exporter per backend
 * (Sentry's OTLP ingest, and the OTLP collector when one is configured), each
 * behind redaction and a processor of its own, all behind the health-route
 * guard. The caller picks the processor: the preload batches
 * (`batchProcessor`), the /testing helpers export each span as it ends.
 */
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { CaBundle } from './ca.js';
import { SPANS_TO_COLLECTOR_FAILED, SPANS_TO_SENTRY_FAILED } from './delivery.js';
import type { DeliveryWatch } from './delivery.js';
import { collectorExporter, sentryOtlpExporter } from './exporter.js';
import type { OtlpEndpoint } from './exporter.js';
import { SHUTDOWN_BUDGET_MS } from './shutdown.js';
import { RedactingSpanExporter } from '../events/privacy.js';
import type { DropLedger } from '../events/drops.js';
import type { Config } from '../preload/config.js';
import { log } from '../preload/log.js';
import { HealthRouteGuard } from '../requests/spanfilter.js';

export interface SpanBackends {
  /** The exporter to Sentry; built only when tracing is on. */
  readonly toSentry: () => SpanExporter;
  /** The processor around each backend's exporter. */
  readonly makeProcessor: (exporter: SpanExporter) => SpanProcessor;
  readonly ledger: DropLedger;
  readonly watch: DeliveryWatch;
}

/**
 * The processor NodeSDK gets, or none under OTEL_SDK_DISABLED. Undone by its
 * own `shutdown()`, which NodeSDK's shutdown calls (tracing.ts); that shuts
 * every exporter down too.
 */
export function createSpanProcessor(config: Config, backends: SpanBackends): HealthRouteGuard | undefined {
  if (!config.tracing) return undefined;
  const { collector } = config;
  const report = (detail: string): void => backends.watch.report(SPANS_TO_COLLECTOR_FAILED, detail);
  const exporters = [backends.toSentry(), ...(collector ? [collectorExporter(collector, SHUTDOWN_BUDGET_MS, log, report)] : [])];
  // One processor per backend, each with its own queue, so a slow collector never holds Sentry's spans back.
  return new HealthRouteGuard(
    exporters.map((e) => backends.makeProcessor(new RedactingSpanExporter(e))),
    backends.ledger,
  );
}

/** Sentry's OTLP ingest; a failed export is reported through `watch`. */
export function sentrySpanExporter(endpoint: OtlpEndpoint, caBundle: CaBundle | undefined, watch: DeliveryWatch): SpanExporter {
  return sentryOtlpExporter(endpoint, SHUTDOWN_BUDGET_MS, caBundle?.ca, (detail) => watch.report(SPANS_TO_SENTRY_FAILED, detail));
}

/**
 * The preload's processor. Bounded queue: a backend outage must cost at most
 * this many spans of memory. The export timeout is a referenced timer
 * (sdk-trace 2.12): while an export hangs it holds the process open, so it
 * gets the shutdown budget. A slow export still finishes in the background;
 * the processor just stops waiting for it.
 */
export function batchProcessor(exporter: SpanExporter): SpanProcessor {
  return new BatchSpanProcessor(exporter, {
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 1000,
    exportTimeoutMillis: SHUTDOWN_BUDGET_MS,
  });
}
