/**
 * OTel's NodeSDK owns tracing: our sampler decides, the gated http and undici
 * instrumentations make the spans, the processor (processors.ts) redacts and
 * exports them over OTLP. Not started at all under `OTEL_SDK_DISABLED`.
 */
import { IncomingMessage } from 'node:http';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Release } from './release.js';
import type { Config, Dsn } from '../preload/config.js';
import { GatedHttpInstrumentation, HeadIds } from '../requests/gate.js';
import { spanName } from '../requests/naming.js';
import { SentryTracePropagator } from '../requests/propagation.js';
import { routeOf, watchFrameworkRoutes } from '../requests/routes.js';
import { isTraceableRequest, LightspeedSampler } from '../requests/sampler.js';

/** The sampler; its ratio is 0 with tracing off, as the startup line says. */
export function samplerFor(config: Config): LightspeedSampler {
  return new LightspeedSampler(config.tracing ? config.tracesSampleRate : 0);
}

export interface TracingParts {
  readonly release: Release;
  readonly sampler: LightspeedSampler;
  readonly processor: SpanProcessor;
  /** Called once, at the first request the http instrumentation sees. */
  readonly onFirstRequest: () => void;
}

export interface Tracing {
  /** The http instrumentation, for the /testing helpers to patch an already loaded node:http with. */
  readonly http: GatedHttpInstrumentation;
  /** Undoes `startTracing`: flushes and shuts NodeSDK down, then disables the instrumentations. */
  close(): Promise<void>;
}

export function startTracing(config: Config & { dsn: Dsn }, parts: TracingParts): Tracing {
  const { sampler } = parts;
  watchFrameworkRoutes();
  const ids = new HeadIds();
  const http = httpInstrumentation(sampler, ids, parts.onFirstRequest);
  const instrumentations = [http, new UndiciInstrumentation({ requireParentforSpans: true })];
  const sdk = new NodeSDK({
    sampler,
    idGenerator: ids,
    spanProcessors: [parts.processor],
    textMapPropagator: propagator(config, parts.release, sampler),
    instrumentations,
    // Only what describes the service: no host id, no process owner, no command line.
    autoDetectResources: false,
    resource: serviceResource(config, parts.release.version),
    // Tracing only: without these NodeSDK builds OTLP metric and log exporters
    // from env defaults, which dial localhost:4318.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    http,
    async close() {
      await sdk.shutdown();
      for (const instrumentation of instrumentations) instrumentation.disable();
    },
  };
}

/**
 * Outgoing calls outside any request (background jobs) get no span and no
 * trace headers: there is no trace to continue, and the called service then
 * makes its own sampling decision instead of inheriting an empty one.
 * Requests the sampler would drop are not instrumented at all: no span
 * object, no context, no attributes (gate.ts). The same predicate decides both.
 */
function httpInstrumentation(sampler: LightspeedSampler, ids: HeadIds, onFirstRequest: () => void): GatedHttpInstrumentation {
  let servedFirstRequest = false;
  return new GatedHttpInstrumentation(
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
}

/** OTel's W3C `traceparent`, and next to it the headers Sentry-instrumented peers read (propagation.ts). */
function propagator(config: Config & { dsn: Dsn }, { release }: Release, sampler: LightspeedSampler): CompositePropagator {
  return new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new SentryTracePropagator({
        public_key: config.dsn.publicKey,
        environment: config.environment,
        ...(release ? { release } : {}),
        sample_rate: String(sampler.ratio),
      }),
    ],
  });
}

function serviceResource(config: Config, version: string | undefined): Resource {
  return defaultResource().merge(
    resourceFromAttributes({
      ...config.resourceAttributes,
      'service.name': config.serviceName,
      ...(version ? { 'service.version': version } : {}),
      'deployment.environment.name': config.environment,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'process.runtime.description': 'Node.js',
    }),
  );
}
