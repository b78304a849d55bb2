/**
 * The OTel-first wiring, loaded only when a DSN is configured.
 *
 * OTel's NodeSDK owns tracing: our sampler decides, spans are redacted and
 * exported over OTLP to Sentry's OTLP ingest. Sentry owns errors and links
 * them to the active OTel span through `openTelemetryIntegration()`. Sentry
 * gets no traces sample rate, so it never traces on its own.
 */
import { IncomingMessage } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { isWrapped } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import type { BaseTransportOptions, Integration } from '@sentry/core';
import type { NodeOptions } from '@sentry/node';
import { installBridge } from '../api/bridge.js';
import { loadCaBundle } from './ca.js';
import { admission, ErrorBudget, SentryRefusal, stormDetail, STORM_WARNING } from '../events/budget.js';
import { makeCapture } from '../events/capture.js';
import type { Settle } from '../events/capture.js';
import type { Config, Dsn } from '../preload/config.js';
import { SentryCopyWatch } from './copies.js';
import { createCrashHandling } from './crash.js';
import {
  boundedHttpModule,
  DeliveryWatch,
  SPANS_TO_COLLECTOR_FAILED,
  SPANS_TO_SENTRY_FAILED,
  watchOtelErrors,
  watchTransport,
} from './delivery.js';
import { DropLedger } from '../events/drops.js';
import { guarded } from '../preload/guarded.js';
import { sentryRegisterIntegration } from '../events/integration.js';
import { GatedHttpInstrumentation, HeadIds } from '../requests/gate.js';
import { eagerIsolation, isolateRequests, lazyIsolation } from '../requests/isolation.js';
import { collectorExporter, sentryOtlpExporter } from './exporter.js';
import { ExpressErrorCapture, watchFastifyErrors } from '../events/frameworks.js';
import { registerEsmHooks } from './hooks.js';
import { log, setLineMask } from '../preload/log.js';
import { maskString } from '../events/scrub.js';
import { spanName } from '../requests/naming.js';
import { DATA_COLLECTION, RedactingSpanExporter } from '../events/privacy.js';
import { createEventPipeline } from '../events/pipeline.js';
import { SentryTracePropagator } from '../requests/propagation.js';
import { NO_RELEASE_REASON, releaseWarning, resolveRelease } from './release.js';
import { routeOf, watchFrameworkRoutes } from '../requests/routes.js';
import { isTraceableRequest, LightspeedSampler } from '../requests/sampler.js';
import { HealthRouteGuard } from '../requests/spanfilter.js';
import { boundedFlush, installShutdown, SHUTDOWN_BUDGET_MS } from './shutdown.js';
import type { Flush, Listener } from './shutdown.js';
import type { Handle } from '../preload/handle.js';
import { startRequestSessions } from '../requests/sessions.js';
import { capturable } from '../preload/throwable.js';

export interface SdkOptions {
  /**
   * `preload` (the default) owns the process: signal, crash and exit handlers,
   * batched export, the startup line. `testing` (the /testing helpers) runs
   * inside a test process: none of that, spans exported as they end.
   */
  readonly mode?: 'preload' | 'testing';
  /** Replaces Sentry's transport (the /testing helpers keep envelopes in memory). */
  readonly transport?: NodeOptions['transport'];
  /** Replaces the OTLP exporter to Sentry. */
  readonly spanExporter?: SpanExporter;
}

export interface SdkHandle extends Handle {
  /** Undoes `startSdk`: flushes, shuts OTel and Sentry down, removes our listeners. */
  close(): Promise<void>;
}

export async function startSdk(config: Config & { dsn: Dsn }, options: SdkOptions = {}): Promise<SdkHandle> {
  const preload = (options.mode ?? 'preload') === 'preload';
  setLineMask(maskString);
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
    log.warn(releaseWarning(problem));
  } else if (release === undefined && preload) {
    log.info(`no release: ${NO_RELEASE_REASON}`);
  }
  const caBundle = loadCaBundle(config.caCertsPath, log);

  // Listeners present before we start belong to whoever loaded before us, not to the app.
  const before = snapshotListeners();
  // Test runners have module loaders of their own (Jest refuses module.register);
  // the testing mode patches node:http by requiring it again instead (below).
  // OTEL_SDK_DISABLED: no instrumentation, so no hooks either.
  const waitForHooks = preload && config.tracing ? await registerEsmHooks() : () => Promise.resolve();

  const ledger = new DropLedger(log);
  const watch = new DeliveryWatch(log);
  // OTEL_LOG_LEVEL means the user wants OTel's own console logger instead.
  if (preload && !process.env['OTEL_LOG_LEVEL']) watchOtelErrors(watch, log);
  const pipeline = createEventPipeline({ scrubKeys: config.scrubKeys, ignoreErrors: config.ignoreErrors, ledger });
  const sampler = new LightspeedSampler(config.tracing ? config.tracesSampleRate : 0);
  const ids = new HeadIds();
  // One processor per backend, each with its own queue, so a slow collector never holds Sentry's spans back.
  const exporters = config.tracing
    ? [
        options.spanExporter ??
          sentryOtlpExporter(endpoint, SHUTDOWN_BUDGET_MS, caBundle?.ca, (detail) => watch.report(SPANS_TO_SENTRY_FAILED, detail)),
        ...(config.collector
          ? [collectorExporter(config.collector, SHUTDOWN_BUDGET_MS, log, (detail) => watch.report(SPANS_TO_COLLECTOR_FAILED, detail))]
          : []),
      ]
    : [];
  const processor = exporters.length
    ? new HealthRouteGuard(
        exporters.map((e) => {
          const exporter = new RedactingSpanExporter(e);
          return preload
            ? // Bounded queue: a backend outage must cost at most this many spans of memory.
              // The export timeout is a referenced timer (sdk-trace 2.12): while an export hangs it
              // holds the process open, so it gets the shutdown budget. A slow export still finishes
              // in the background; the processor just stops waiting for it.
              new BatchSpanProcessor(exporter, {
                maxQueueSize: 2048,
                maxExportBatchSize: 512,
                scheduledDelayMillis: 1000,
                exportTimeoutMillis: SHUTDOWN_BUDGET_MS,
              })
            : new SimpleSpanProcessor(exporter);
        }),
        ledger,
      )
    : undefined;

  // What the app does with Sentry itself (its own init, another version) is
  // checked after its entry has run, a second later, at its first traced
  // request and at every flush.
  let checkpoint = (): void => undefined;
  // Every backend and Sentry's events flush at once, within one budget.
  const flush: Flush = (budgetMs) => {
    checkpoint();
    return boundedFlush([...(processor ? [() => processor.forceFlush()] : []), () => Sentry.flush(budgetMs)], budgetMs);
  };

  let ownListeners = new Set<Listener>();
  // Only the functions each helper reads: passing the namespace itself would keep
  // every export of @sentry/node in the bundle (scripts/bundle.ts).
  // Bound to the request sessions once the client exists (below).
  let settle: Settle = (_scope, _crash, run) => run();
  // An error storm builds 5 events per group, then 1 every 10 s (budget.ts).
  const refusal = new SentryRefusal();
  const admit = admission(new ErrorBudget(config.storm), refusal, (skip, key) => {
    ledger.record(skip, key.slice(0, 200) || 'an error');
    // Sentry's client reports: client-side sampling, or backing off while Sentry refuses.
    Sentry.getClient()?.recordDroppedEvent(skip === 'sentry-refusing' ? 'ratelimit_backoff' : 'sample_rate', 'error');
    if (skip !== 'sentry-refusing') watch.report(STORM_WARNING, stormDetail(config.storm));
  });
  const capture = makeCapture(
    { captureException: Sentry.captureException, getIsolationScope: Sentry.getIsolationScope },
    { settle: (scope, crash, run) => settle(scope, crash, run), admit },
  );
  const crash = createCrashHandling(flush, (l) => ownListeners.has(l), capture);

  // Sentry as an error client only: no default integrations, so none that
  // wraps the app's or its framework's objects (11.12's Express, Fastify, Hapi,
  // Koa, Hono and Nitro integrations), listens on its workers and child
  // processes (WorkerThreads, ChildProcess: an 'error' listener stops Node
  // from crashing), or patches Function.prototype (FunctionToString).
  Sentry.initWithoutDefaultIntegrations({
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
    beforeSend: pipeline.beforeSend,
    beforeBreadcrumb: pipeline.beforeBreadcrumb,
    // Bounded events: an exception value (a 5 MB message) is cut at Sentry's own
    // limit for it (Relay trims exception values to 8192 characters), and an event
    // carries Sentry's default 100 breadcrumbs at most, each cut when recorded.
    maxValueLength: 8_192,
    transport:
      options.transport ??
      ((transportOptions) =>
        watchTransport(
          Sentry.makeNodeTransport({ ...transportOptions, recordDroppedEvent: countDrops(transportOptions, ledger) }),
          watch,
          refusal,
        )),
    transportOptions: { httpModule: boundedHttpModule, ...(caBundle ? { caCerts: [...caBundle.ca] } : {}) },
    integrations: errorClientIntegrations(config.releaseHealth),
    // 11.12's client otherwise registers a module loader that rewrites the
    // source of framework files (router's layer.js, Fastify's hooks) to publish
    // diagnostics channels for those integrations: the app's code, changed.
    enableRuntimeChannelInjection: false,
  });

  const scopes = {
    withIsolationScope: Sentry.withIsolationScope,
    getIsolationScope: Sentry.getIsolationScope,
    getCurrentScope: Sentry.getCurrentScope,
  };
  // Release health: a request session per served request (sessions.ts).
  const client = Sentry.getClient();
  const sessions = config.releaseHealth && client ? startRequestSessions(client) : undefined;
  if (sessions) settle = sessions.settle;
  const onFork = sessions ? guarded('starting a request session', sessions.forked) : undefined;
  const lazy = lazyIsolation(scopes, onFork);
  if (!lazy) log.debug("Sentry's scope store is not the one this preload knows; each request forks its scopes eagerly");
  const unisolate = isolateRequests(lazy ?? eagerIsolation(scopes, onFork));

  // Route errors, captured where the frameworks publish them (frameworks.ts);
  // built before the ESM hooks are awaited, like every instrumentation.
  const unwatchFastify = watchFastifyErrors(capture);
  const expressErrors = new ExpressErrorCapture(capture);
  // An app whose own Sentry is another version reaches no client (copies.ts).
  const copies = preload ? new SentryCopyWatch(Sentry.SDK_VERSION, log) : undefined;

  const tracing = processor
    ? startTracing({ config, dsn, release, version, sampler, ids, processor, preload, onFirstRequest: () => checkpoint() })
    : undefined;
  await waitForHooks();

  installBridge({
    // Held to the storm ceiling only; a skipped one still makes its request errored.
    captureException: (error, context) => {
      if (admit(error, 'explicit')) return Sentry.captureException(capturable(error), context);
      settle(Sentry.getIsolationScope, false, () => undefined);
      return undefined;
    },
    captureMessage: (message, level) => Sentry.captureMessage(message, level),
    addBreadcrumb: Sentry.addBreadcrumb,
    setTag: Sentry.setTag,
    setUser: Sentry.setUser,
    withScope: (callback) => Sentry.withScope(callback),
    flush: (timeoutMs) => Sentry.flush(timeoutMs),
  });

  const added: Array<[string, Listener]> = [];
  if (preload) {
    process.on('uncaughtException', crash.onUncaught);
    process.on('unhandledRejection', crash.onRejection);
    added.push(['uncaughtException', crash.onUncaught as Listener], ['unhandledRejection', crash.onRejection as Listener]);
    for (const [event, l] of installShutdown({ flush, log, isOwnListener: (l) => ownListeners.has(l) })) added.push([event, l]);
    ownListeners = newListeners(
      before,
      snapshotListeners(),
      added.map(([, l]) => l),
    );
    ledger.reportAtExit();
    const checkForeignInit = watchForeignInit(Sentry.getClient());
    checkpoint = () => {
      checkForeignInit();
      copies?.check();
    };
    setImmediate(checkpoint).unref();
    setTimeout(checkpoint, 1000).unref();
    log.info(
      `Sentry initialized (environment=${config.environment}, release=${release ?? 'none'}, ` +
        `traces_sample_rate=${sampler.ratio}, host=${dsn.host})`,
    );
    if (!config.tracing) log.info('OTEL_SDK_DISABLED is true: tracing is off; errors are still captured');
    else if (config.collector) {
      log.info(`spans also go to the OTLP collector at ${config.collector.host} (${config.collector.protocol})`);
    }
    log.debug(
      `release from ${source}; sampler ${sampler.toString()}; CA bundle ${caBundle ? `${caBundle.count} certificate(s) from ${caBundle.path}` : 'not set'}`,
    );
  }

  return {
    active: true,
    flush: (budgetMs = SHUTDOWN_BUDGET_MS) => flush(budgetMs),
    async close() {
      installBridge(undefined);
      for (const [event, l] of added) process.removeListener(event, l);
      await flush(SHUTDOWN_BUDGET_MS);
      await Promise.allSettled([tracing?.close(), Sentry.close(SHUTDOWN_BUDGET_MS)]);
      unwatchFastify();
      expressErrors.disable();
      copies?.disable();
      sessions?.close();
      unisolate();
    },
  };
}

interface TracingParts {
  readonly config: Config;
  readonly dsn: Dsn;
  readonly release: string | undefined;
  readonly version: string | undefined;
  readonly sampler: LightspeedSampler;
  readonly ids: HeadIds;
  readonly processor: HealthRouteGuard;
  readonly preload: boolean;
  readonly onFirstRequest: () => void;
}

/**
 * OTel's NodeSDK with our sampler, propagators, gated http instrumentation
 * and the processors. Not started at all under `OTEL_SDK_DISABLED`.
 */
function startTracing(parts: TracingParts): { close(): Promise<void> } {
  const { config, dsn, release, version, sampler, ids, processor, preload, onFirstRequest } = parts;
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
  let servedFirstRequest = false;
  const unpatches: Array<() => void> = [];
  // Outgoing calls outside any request (background jobs) get no span and no
  // trace headers: there is no trace to continue, and the called service then
  // makes its own sampling decision instead of inheriting an empty one.
  // Requests the sampler would drop are not instrumented at all: no span
  // object, no context, no attributes (gate.ts). The same predicate decides both.
  const http = new GatedHttpInstrumentation(
    {
      requireParentforOutgoingSpans: true,
      requestHook: (span, request) => {
        if (!servedFirstRequest) {
          servedFirstRequest = true;
          onFirstRequest();
        }
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
    },
    isTraceableRequest,
    { sampler, ids },
  );
  const instrumentations = [http, new UndiciInstrumentation({ requireParentforSpans: true })];
  const sdk = new NodeSDK({
    sampler,
    idGenerator: ids,
    spanProcessors: [processor],
    textMapPropagator: propagator,
    instrumentations,
    // Only what describes the service: no host id, no process owner, no command line.
    autoDetectResources: false,
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
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
  if (!preload) {
    // In a test process the code under test may have imported node:http before
    // us; requiring it again lets the instrumentation patch the shared module.
    // OTel's require hook patches a core module only the first time it sees it,
    // so after an earlier initTestSentry() the patch is applied here by hand.
    const require = createRequire(import.meta.url);
    for (const name of ['http', 'https'] as const) {
      const mod = require(`node:${name}`) as { Server: typeof HttpServer };
      if (isWrapped(mod.Server.prototype.emit)) continue;
      const definition = http.getModuleDefinitions().find((d) => d.name === name);
      definition?.patch?.(mod);
      unpatches.push(() => definition?.unpatch?.(mod));
    }
  }
  return {
    async close() {
      await sdk.shutdown();
      for (const instrumentation of instrumentations) instrumentation.disable();
      for (const unpatch of unpatches) unpatch();
    },
  };
}

/** What builds and enriches error events; nothing here wraps an object the app owns. */
function errorClientIntegrations(releaseHealth: boolean): Integration[] {
  return [
    Sentry.eventFiltersIntegration(),
    Sentry.linkedErrorsIntegration(),
    Sentry.dedupeIntegration(),
    Sentry.requestDataIntegration(),
    Sentry.systemErrorIntegration(),
    Sentry.consoleIntegration(),
    // No Http integration: request isolation comes from isolation.ts at a
    // fraction of its cost. fetch keeps its breadcrumbs; OTel owns its spans
    // and propagation.
    Sentry.nativeNodeFetchIntegration({ spans: false, tracePropagation: false }),
    Sentry.contextLinesIntegration(),
    Sentry.nodeContextIntegration(),
    // The process's own session; request sessions come from sessions.ts.
    ...(releaseHealth ? [Sentry.processSessionIntegration()] : []),
    Sentry.modulesIntegration(),
    Sentry.openTelemetryIntegration(),
    // Uncaught exceptions and unhandled rejections are captured by crash.ts.
    sentryRegisterIntegration(),
  ];
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

/**
 * An app that calls `Sentry.init()` itself replaces the preload's client (the
 * old one is not closed). Checked at the checkpoints; one warning says what
 * that means.
 */
function watchForeignInit(ours: unknown): () => void {
  let warned = false;
  return () => {
    if (warned || Sentry.getClient() === ours) return;
    warned = true;
    log.warn(
      "the app called Sentry.init() itself; its client replaced the preload's, so the preload's masking, noise filters and trace links no longer apply to its errors. Remove the app's Sentry.init() (the preload does it) or do not load the preload.",
    );
  };
}

/**
 * The transport's own drops into the ledger too: a full send buffer resolves
 * without a status (@sentry/core 11.12 createTransport), so nothing else sees
 * it. Sentry still records each in its client reports.
 */
function countDrops(options: BaseTransportOptions, ledger: DropLedger): BaseTransportOptions['recordDroppedEvent'] {
  const record = options.recordDroppedEvent;
  return (reason, category, count) => {
    if (reason === 'queue_overflow' && category === 'error') {
      for (let i = 0; i < (count ?? 1); i++) ledger.record('queue-overflow', 'an event: the send buffer was full');
    }
    record(reason, category, count);
  };
}
