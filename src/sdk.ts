/**
 * The OTel-first wiring, loaded only when a DSN is configured.
 *
 * OTel's NodeSDK owns tracing: our sampler decides, spans are redacted and
 * exported over OTLP to Sentry's OTLP ingest. Sentry owns errors and links
 * them to the active OTel span through `openTelemetryIntegration()`. Sentry
 * gets no traces sample rate, so it never traces on its own.
 */
import { IncomingMessage } from 'node:http';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import type { Integration } from '@sentry/core';
import { loadCaBundle } from './ca.js';
import type { Config, Dsn } from './config.js';
import { createCrashHandling } from './crash.js';
import { sentryRegisterIntegration } from './events.js';
import { sentryOtlpExporter } from './exporter.js';
import { registerEsmHooks } from './hooks.js';
import { log } from './log.js';
import { spanName } from './naming.js';
import { DATA_COLLECTION, RedactingSpanExporter } from './privacy.js';
import { SentryTracePropagator } from './propagation.js';
import { resolveRelease } from './release.js';
import { routeOf, watchFrameworkRoutes } from './routes.js';
import { LightspeedSampler } from './sampler.js';
import { boundedFlush, installShutdown, SHUTDOWN_BUDGET_MS } from './shutdown.js';
import type { Flush, Listener } from './shutdown.js';
import type { Handle } from './start.js';

const REPLACED_INTEGRATIONS = new Set(['Http', 'NodeFetch', 'OnUnhandledRejection']);

export async function startSdk(config: Config & { dsn: Dsn }): Promise<Handle> {
  const { dsn } = config;
  const endpoint = Sentry.getOtlpTracesEndpoint(dsn.value);
  if (!endpoint) throw new Error('SENTRY_DSN was rejected by the Sentry SDK');

  const { release, version, source, problem } = resolveRelease({
    explicit: config.release,
    serviceName: config.serviceName,
    entry: process.argv[1],
    cwd: process.cwd(),
  });
  if (problem !== undefined) {
    log.warn(`the derived release ${problem}; sending no release (set SENTRY_RELEASE or change OTEL_SERVICE_NAME)`);
  } else if (release === undefined) {
    log.info(
      'no release: no version found in a package.json above the entry script or in the working directory; set SENTRY_RELEASE to tag events',
    );
  }
  const caBundle = loadCaBundle(config.caCertsPath, log);

  // Listeners present before we start belong to whoever loaded before us, not to the app.
  const before = snapshotListeners();
  const waitForHooks = registerEsmHooks();

  const sampler = new LightspeedSampler(config.tracesSampleRate);
  const exporter = new RedactingSpanExporter(sentryOtlpExporter(endpoint, caBundle?.ca));
  // Bounded queue: a Sentry outage must cost at most this many spans of memory.
  const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 1000 });

  const flush: Flush = (budgetMs) => boundedFlush([() => processor.forceFlush(), () => Sentry.flush(budgetMs)], budgetMs);

  let ownListeners = new Set<Listener>();
  const crash = createCrashHandling(flush, (l) => ownListeners.has(l));

  Sentry.init({
    dsn: dsn.value,
    environment: config.environment,
    release,
    debug: config.debug,
    // @sentry/node 11.12 reads SENTRY_TRACES_SAMPLE_RATE from the environment when
    // this option is undefined (sdk/index.js getTracesSampleRate), which would make
    // Sentry trace every request a second time. `null` is the nullish value that
    // stops that fallback and keeps hasSpansEnabled() false.
    tracesSampleRate: null as unknown as undefined,
    dataCollection: DATA_COLLECTION,
    shutdownTimeout: SHUTDOWN_BUDGET_MS,
    onFatalError: crash.fatal,
    ...(caBundle ? { transportOptions: { caCerts: [...caBundle.ca] } } : {}),
    integrations: (defaults: Integration[]) => [
      ...defaults.filter((i) => !REPLACED_INTEGRATIONS.has(i.name)),
      // Request isolation and breadcrumbs only: OTel owns spans and propagation,
      // so neither wraps outgoing requests a second time nor injects headers.
      Sentry.httpIntegration({ spans: false, tracePropagation: false }),
      Sentry.nativeNodeFetchIntegration({ spans: false, tracePropagation: false }),
      // Capture only; crash semantics are ours to keep (crash.ts).
      Sentry.onUnhandledRejectionIntegration({ mode: 'none' }),
      Sentry.openTelemetryIntegration(),
      sentryRegisterIntegration(crash.isRethrown),
    ],
  });

  const propagator = new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new SentryTracePropagator({
        public_key: dsn.publicKey,
        environment: config.environment,
        ...(release ? { release } : {}),
        sample_rate: String(sampler.ratio),
      }),
    ],
  });

  watchFrameworkRoutes();
  const sdk = new NodeSDK({
    sampler,
    spanProcessors: [processor],
    textMapPropagator: propagator,
    instrumentations: [
      new HttpInstrumentation({
        requestHook: (span, request) => {
          if (request instanceof IncomingMessage && span.isRecording()) {
            span.updateName(spanName(request.method ?? 'GET', undefined, request.url ?? '/'));
          }
        },
        applyCustomAttributesOnSpan: (span, request) => {
          if (!(request instanceof IncomingMessage) || !span.isRecording()) return;
          const route = routeOf(request);
          if (route === undefined) return;
          span.setAttribute('http.route', route);
          span.updateName(spanName(request.method ?? 'GET', route, request.url ?? '/'));
        },
      }),
      new UndiciInstrumentation(),
    ],
    // Only what describes the service: no host id, no process owner, no command line.
    autoDetectResources: false,
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': config.serviceName,
        ...(version ? { 'service.version': version } : {}),
        'deployment.environment.name': config.environment,
        'process.runtime.name': 'nodejs',
        'process.runtime.version': process.versions.node,
        'process.runtime.description': 'Node.js',
      }),
    ),
    // Tracing only: without these NodeSDK builds OTLP metric and log exporters
    // from env defaults, which dial localhost:4318.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  await waitForHooks();

  process.on('unhandledRejection', crash.onRejection);

  const shutdownListeners = installShutdown({ flush, log, isOwnListener: (l) => ownListeners.has(l) });
  ownListeners = newListeners(before, snapshotListeners(), [crash.onRejection, ...shutdownListeners]);

  const host = dsn.host;
  log.info(
    `Sentry initialized (environment=${config.environment}, release=${release ?? 'none'}, ` +
      `traces_sample_rate=${sampler.ratio}, host=${host})`,
  );
  log.debug(
    `release from ${source}; sampler ${sampler.toString()}; CA bundle ${caBundle ? `${caBundle.count} certificate(s) from ${caBundle.path}` : 'not set'}`,
  );
  return { active: true, flush: (budgetMs = SHUTDOWN_BUDGET_MS) => flush(budgetMs) };
}

const WATCHED_EVENTS = ['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT', 'beforeExit'] as const;

function snapshotListeners(): Set<Listener> {
  const out = new Set<Listener>();
  for (const event of WATCHED_EVENTS) for (const l of process.listeners(event as 'SIGTERM')) out.add(l as Listener);
  return out;
}

function newListeners(before: Set<Listener>, after: Set<Listener>, ours: Listener[]): Set<Listener> {
  const out = new Set<Listener>(ours);
  for (const l of after) if (!before.has(l)) out.add(l);
  return out;
}
