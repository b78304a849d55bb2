/**
 * The preload's SDK, loaded only when a DSN is configured (start.ts imports
 * it): the OTel-first wiring, assembled from one factory per component.
 *
 * OTel's NodeSDK owns tracing: our sampler decides, spans are redacted and
 * exported over OTLP to Sentry's OTLP ingest (tracing.ts, processors.ts).
 * Sentry owns errors and links them to the active OTel span through
 * `openTelemetryIntegration()` (client.ts). The preload owns the process:
 * the ESM hooks, batched export, crash, signal and exit handlers, the
 * startup lines (process.ts). The /testing helpers compose the same
 * factories without what owns a process (src/testing/sdk.ts).
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { loadCaBundle } from './ca.js';
import { flushAll, installApiBridge, prepareSdk, startErrorClient } from './client.js';
import { DeliveryWatch, watchOtelErrors } from './delivery.js';
import { registerEsmHooks } from './hooks.js';
import { installProcessHandlers, logStartup, snapshotListeners, startCheckpoints, watchSentryCopies } from './process.js';
import { batchProcessor, createSpanProcessor, sentrySpanExporter } from './processors.js';
import { NO_RELEASE_REASON } from './release.js';
import { sdkHandle } from './shutdown.js';
import type { SdkHandle } from './shutdown.js';
import { samplerFor, startTracing } from './tracing.js';
import { DropLedger } from '../events/drops.js';
import type { Config, Dsn } from '../preload/config.js';
import { log } from '../preload/log.js';

export async function startSdk(config: Config & { dsn: Dsn }): Promise<SdkHandle> {
  // Listeners present before we start belong to whoever loaded before us, not to the app.
  const before = snapshotListeners();
  const { endpoint, release } = prepareSdk(config);
  if (release.release === undefined && release.problem === undefined) log.info(`no release: ${NO_RELEASE_REASON}`);
  const caBundle = loadCaBundle(config.caCertsPath, log);
  // OTEL_SDK_DISABLED: no instrumentation, so no hooks either.
  const waitForHooks = config.tracing ? await registerEsmHooks() : () => Promise.resolve();
  const ledger = new DropLedger(log);
  const watch = new DeliveryWatch(log);
  // OTEL_LOG_LEVEL means the user wants OTel's own console logger instead.
  if (!process.env['OTEL_LOG_LEVEL']) watchOtelErrors(watch, log);
  const toSentry = (): SpanExporter => sentrySpanExporter(endpoint, caBundle, watch);
  const processor = createSpanProcessor(config, { toSentry, makeProcessor: batchProcessor, ledger, watch });
  // No checks until startup is done (startCheckpoints, below).
  let checkpoint = (): void => undefined;
  const flush = flushAll(processor, () => checkpoint());
  const errors = startErrorClient(config, { release: release.release, caBundle, ledger, watch });
  const copies = watchSentryCopies();
  const sampler = samplerFor(config);
  const tracing = processor && startTracing(config, { release, sampler, processor, onFirstRequest: () => checkpoint() });
  await waitForHooks();
  const unbridge = installApiBridge(errors);
  const removeHandlers = installProcessHandlers({ before, flush, capture: errors.capture });
  ledger.reportAtExit();
  checkpoint = startCheckpoints(copies);
  logStartup(config, { release, sampler, caBundle });
  return sdkHandle(flush, {
    detach: [unbridge, removeHandlers],
    shutdown: [() => tracing?.close(), errors.close],
    unhook: [errors.unwatchRoutes, () => copies.disable(), errors.unisolate],
  });
}
