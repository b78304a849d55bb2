/**
 * The SDK as `initTestSentry()` starts it inside a test process: the
 * preload's factories (src/sdk/), so the same sampler, before-send pipeline
 * and redaction, with the caller's transport and span exporter and each span
 * exported as it ends. None of what owns a process: no ESM hooks (test
 * runners have module loaders of their own; Jest refuses module.register), no
 * crash, signal or exit handlers, no OTel error watch, no checks of the app's
 * own Sentry, no startup lines.
 */
import { createRequire } from 'node:module';
import type { Server as HttpServer } from 'node:http';
import { isWrapped } from '@opentelemetry/instrumentation';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { NodeOptions } from '@sentry/node';
import { DropLedger } from '../events/drops.js';
import type { Config, Dsn } from '../preload/config.js';
import { log } from '../preload/log.js';
import { loadCaBundle } from '../sdk/ca.js';
import { flushAll, installApiBridge, prepareSdk, startErrorClient } from '../sdk/client.js';
import { DeliveryWatch } from '../sdk/delivery.js';
import { createSpanProcessor } from '../sdk/processors.js';
import { sdkHandle } from '../sdk/shutdown.js';
import type { SdkHandle } from '../sdk/shutdown.js';
import { samplerFor, startTracing } from '../sdk/tracing.js';

export interface TestSdkOptions {
  /** Replaces Sentry's transport: the envelopes stay in memory. */
  readonly transport: NonNullable<NodeOptions['transport']>;
  /** Replaces the OTLP exporter to Sentry. */
  readonly spanExporter: SpanExporter;
}

export function startTestSdk(config: Config & { dsn: Dsn }, options: TestSdkOptions): SdkHandle {
  const { release } = prepareSdk(config);
  const caBundle = loadCaBundle(config.caCertsPath, log);
  const ledger = new DropLedger(log);
  const watch = new DeliveryWatch(log);
  const toSentry = (): SpanExporter => options.spanExporter;
  const processor = createSpanProcessor(config, { toSentry, makeProcessor: (e) => new SimpleSpanProcessor(e), ledger, watch });
  const flush = flushAll(processor, () => undefined);
  const errors = startErrorClient(config, { release: release.release, caBundle, ledger, watch, transport: options.transport });
  const sampler = samplerFor(config);
  const tracing = processor && startTracing(config, { release, sampler, processor, onFirstRequest: () => undefined });
  const unpatch = tracing ? patchLoadedHttp(tracing.http) : () => undefined;
  const unbridge = installApiBridge(errors);
  const closeTracing = async (): Promise<void> => {
    await tracing?.close();
    unpatch();
  };
  return sdkHandle(flush, { detach: [unbridge], shutdown: [closeTracing, errors.close], unhook: [errors.unwatchRoutes, errors.unisolate] });
}

/**
 * In a test process the code under test may have imported node:http before
 * us; requiring it again lets the instrumentation patch the shared module.
 * OTel's require hook patches a core module only the first time it sees it,
 * so after an earlier initTestSentry() the patch is applied here by hand.
 * Returns the function that takes these patches off.
 */
function patchLoadedHttp(http: InstrumentationBase): () => void {
  const require = createRequire(import.meta.url);
  const unpatches: Array<() => void> = [];
  for (const name of ['http', 'https'] as const) {
    const mod = require(`node:${name}`) as { Server: typeof HttpServer };
    if (isWrapped(mod.Server.prototype.emit)) continue;
    const definition = http.getModuleDefinitions().find((d) => d.name === name);
    definition?.patch?.(mod);
    unpatches.push(() => definition?.unpatch?.(mod));
  }
  return () => {
    for (const unpatch of unpatches) unpatch();
  };
}
