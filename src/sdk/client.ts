/**
 * Sentry as an error client: the release and DSN checks every start begins
 * with, the client and its transport, the storm admission in front of every
 * capture, request isolation and release health, route errors where the
 * frameworks publish them, and the bridge the app-facing API reaches it by.
 * Sentry gets no traces sample rate, so it never traces on its own; OTel does
 * (tracing.ts).
 */
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import type { BaseTransportOptions, Integration } from '@sentry/core';
import type { NodeOptions } from '@sentry/node';
import type { CaBundle } from './ca.js';
import { boundedHttpModule, watchTransport } from './delivery.js';
import type { DeliveryWatch } from './delivery.js';
import type { OtlpEndpoint } from './exporter.js';
import { releaseWarning, resolveRelease } from './release.js';
import type { Release } from './release.js';
import { boundedFlush, SHUTDOWN_BUDGET_MS } from './shutdown.js';
import type { Flush } from './shutdown.js';
import { installBridge } from '../api/bridge.js';
import { admission, ErrorBudget, SentryRefusal, stormDetail, STORM_WARNING } from '../events/budget.js';
import type { CaptureKind } from '../events/budget.js';
import { makeCapture } from '../events/capture.js';
import type { CaptureThrown, Settle } from '../events/capture.js';
import type { DropLedger } from '../events/drops.js';
import { ExpressErrorCapture, watchFastifyErrors } from '../events/frameworks.js';
import { sentryRegisterIntegration } from '../events/integration.js';
import { createEventPipeline } from '../events/pipeline.js';
import { DATA_COLLECTION } from '../events/privacy.js';
import { maskString } from '../events/scrub.js';
import type { Config, Dsn } from '../preload/config.js';
import { guarded } from '../preload/guarded.js';
import { log, setLineMask } from '../preload/log.js';
import { capturable } from '../preload/throwable.js';
import { eagerIsolation, isolateRequests, lazyIsolation } from '../requests/isolation.js';
import { startRequestSessions } from '../requests/sessions.js';

type Admit = (value: unknown, kind: CaptureKind) => boolean;

export interface Identity {
  /** Sentry's OTLP ingest for this DSN. */
  readonly endpoint: OtlpEndpoint;
  readonly release: Release;
}

/**
 * Where every start begins: our log lines masked from here on, the DSN
 * checked against the Sentry SDK, the release resolved (one warning if a
 * derived one cannot be used).
 */
export function prepareSdk(config: Config & { dsn: Dsn }): Identity {
  setLineMask(maskString);
  const endpoint = Sentry.getOtlpTracesEndpoint(config.dsn.value);
  if (!endpoint) throw new Error('SENTRY_DSN was rejected by the Sentry SDK');
  const release = resolveRelease({ explicit: config.release, serviceName: config.serviceName, entry: process.argv[1], cwd: process.cwd() });
  if (release.problem !== undefined) log.warn(releaseWarning(release.problem));
  return { endpoint, release };
}

export interface ErrorClientParts {
  readonly release: string | undefined;
  readonly caBundle: CaBundle | undefined;
  readonly ledger: DropLedger;
  readonly watch: DeliveryWatch;
  /** Replaces Sentry's transport (the /testing helpers keep envelopes in memory). */
  readonly transport?: NodeOptions['transport'];
}

export interface ErrorClient {
  /** The storm admission every capture asks first. */
  readonly admit: Admit;
  /** The request's release-health bookkeeping around a capture. */
  readonly settle: Settle;
  /** Captures a thrown value; never throws (capture.ts). */
  readonly capture: CaptureThrown;
  /** Undoes the client: flushes and closes it within the shutdown budget. */
  close(): PromiseLike<boolean>;
  /** Undoes `watchRouteErrors`. */
  unwatchRoutes(): void;
  /** Undoes `isolateRequestScopes`. */
  unisolate(): void;
}

/** Sentry's client and everything that captures through it, in the order they must start. */
export function startErrorClient(config: Config & { dsn: Dsn }, parts: ErrorClientParts): ErrorClient {
  const { refusal, admit } = stormAdmission(config, parts.ledger, parts.watch);
  const close = startSentryClient(config, { ...parts, refusal });
  const isolation = isolateRequestScopes(config);
  // Only the functions each helper reads: passing the namespace itself would keep
  // every export of @sentry/node in the bundle (scripts/bundle.ts).
  const capture = makeCapture(
    { captureException: Sentry.captureException, getIsolationScope: Sentry.getIsolationScope },
    { settle: isolation.settle, admit },
  );
  return { admit, settle: isolation.settle, capture, close, unwatchRoutes: watchRouteErrors(capture), unisolate: isolation.close };
}

/**
 * An error storm builds 5 events per group, then 1 every 10 s (budget.ts);
 * while Sentry refuses errors, none but a crash. Each skip is counted.
 */
function stormAdmission(config: Config, ledger: DropLedger, watch: DeliveryWatch): { refusal: SentryRefusal; admit: Admit } {
  const refusal = new SentryRefusal();
  const admit = admission(new ErrorBudget(config.storm), refusal, (skip, key) => {
    ledger.record(skip, key.slice(0, 200) || 'an error');
    // Sentry's client reports: client-side sampling, or backing off while Sentry refuses.
    Sentry.getClient()?.recordDroppedEvent(skip === 'sentry-refusing' ? 'ratelimit_backoff' : 'sample_rate', 'error');
    if (skip !== 'sentry-refusing') watch.report(STORM_WARNING, stormDetail(config.storm));
  });
  return { refusal, admit };
}

/** Starts Sentry's client; returns the function that closes it. */
function startSentryClient(
  config: Config & { dsn: Dsn },
  parts: ErrorClientParts & { refusal: SentryRefusal },
): () => PromiseLike<boolean> {
  Sentry.initWithoutDefaultIntegrations(clientOptions(config, parts));
  return () => Sentry.close(SHUTDOWN_BUDGET_MS);
}

/**
 * Sentry as an error client only: no default integrations, so none that
 * wraps the app's or its framework's objects (11.12's Express, Fastify, Hapi,
 * Koa, Hono and Nitro integrations), listens on its workers and child
 * processes (WorkerThreads, ChildProcess: an 'error' listener stops Node
 * from crashing), or patches Function.prototype (FunctionToString).
 */
function clientOptions(config: Config & { dsn: Dsn }, parts: ErrorClientParts & { refusal: SentryRefusal }): NodeOptions {
  const { caBundle, ledger } = parts;
  const pipeline = createEventPipeline({ scrubKeys: config.scrubKeys, ignoreErrors: config.ignoreErrors, ledger });
  return {
    dsn: config.dsn.value,
    environment: config.environment,
    release: parts.release,
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
      parts.transport ??
      ((transportOptions) =>
        watchTransport(
          Sentry.makeNodeTransport({ ...transportOptions, recordDroppedEvent: countDrops(transportOptions, ledger) }),
          parts.watch,
          parts.refusal,
        )),
    transportOptions: { httpModule: boundedHttpModule, ...(caBundle ? { caCerts: [...caBundle.ca] } : {}) },
    integrations: errorClientIntegrations(config.releaseHealth),
    // 11.12's client otherwise registers a module loader that rewrites the
    // source of framework files (router's layer.js, Fastify's hooks) to publish
    // diagnostics channels for those integrations: the app's code, changed.
    enableRuntimeChannelInjection: false,
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

/**
 * Each request forks its own Sentry scopes (isolation.ts), and with release
 * health counts as a request session (sessions.ts). Started once the client
 * exists; `close` undoes both.
 */
function isolateRequestScopes(config: Config): { settle: Settle; close(): void } {
  const scopes = {
    withIsolationScope: Sentry.withIsolationScope,
    getIsolationScope: Sentry.getIsolationScope,
    getCurrentScope: Sentry.getCurrentScope,
  };
  const client = Sentry.getClient();
  const sessions = config.releaseHealth && client ? startRequestSessions(client) : undefined;
  const onFork = sessions ? guarded('starting a request session', sessions.forked) : undefined;
  const lazy = lazyIsolation(scopes, onFork);
  if (!lazy) log.debug("Sentry's scope store is not the one this preload knows; each request forks its scopes eagerly");
  const unisolate = isolateRequests(lazy ?? eagerIsolation(scopes, onFork));
  return {
    settle: sessions ? sessions.settle : (_scope, _crash, run) => run(),
    close() {
      sessions?.close();
      unisolate();
    },
  };
}

/**
 * Route errors, captured where the frameworks publish them (frameworks.ts);
 * built before the ESM hooks are awaited, like every instrumentation. Returns
 * the function that unhooks them.
 */
function watchRouteErrors(capture: CaptureThrown): () => void {
  const unwatchFastify = watchFastifyErrors(capture);
  const expressErrors = new ExpressErrorCapture(capture);
  return () => {
    unwatchFastify();
    expressErrors.disable();
  };
}

/** The app-facing API's way in (api/bridge.ts); returns the function that takes it away. */
export function installApiBridge(client: Pick<ErrorClient, 'admit' | 'settle'>): () => void {
  const { admit, settle } = client;
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
  return () => installBridge(undefined);
}

/**
 * Every backend and Sentry's events flush at once, within one budget; the
 * preload runs its checkpoints first (process.ts).
 */
export function flushAll(processor: SpanProcessor | undefined, before: () => void): Flush {
  return (budgetMs) => {
    before();
    return boundedFlush([...(processor ? [() => processor.forceFlush()] : []), () => Sentry.flush(budgetMs)], budgetMs);
  };
}
