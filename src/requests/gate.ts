/**
 * The fast path for requests the sampler would drop anyway.
 *
 * OTel's http instrumentation (0.223) still does work for a request its
 * `ignoreIncomingRequestHook` rejects: it enters a new context and binds the
 * request and response emitters to it. On a hello-world server that alone
 * costs about a third of the throughput, for a request that will never have a
 * span. Here the server's `emit` is wrapped once more, around OTel's wrapper:
 * a traceable request goes through OTel, any other goes straight to what OTel
 * wrapped (the isolating emit of isolation.ts, then node's own).
 *
 * Traceable requests that start a trace (no `traceparent`, no `sentry-trace`)
 * are also decided here, by the same sampler, before OTel spends anything on
 * them. The sampler decides on the trace id, so the gate draws the id: a kept
 * request hands it to OTel's id generator (`HeadIds`) and OTel's own decision
 * comes out the same; a dropped one runs in a bare unsampled span context, so
 * its outgoing calls still tell the next service "not sampled" and its errors
 * still carry a trace id. Requests from a traced peer follow the peer in OTel.
 *
 * The hook point is the instrumentation's own `_wrap`, so the gate is in place
 * exactly when OTel patches a server, and OTel's unwrap removes both.
 */
import { Server as HttpServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { RandomIdGenerator, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { IdGenerator, Sampler } from '@opentelemetry/sdk-trace-base';
import { stripQuery } from './sampler.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
export type Traceable = (method: string | undefined, url: string | undefined) => boolean;

/**
 * OTel's id generator, except that the next trace id can be handed over: the
 * one the gate drew and the sampler kept. Handed over and taken back within
 * one synchronous call, so no other span can take it.
 */
export class HeadIds implements IdGenerator {
  private readonly _random = new RandomIdGenerator();
  private _next: string | undefined;

  generateTraceId(): string {
    const next = this._next;
    this._next = undefined;
    return next ?? this._random.generateTraceId();
  }

  generateSpanId(): string {
    return this._random.generateSpanId();
  }

  /** Runs `fn` with `traceId` as the next trace id OTel generates. */
  handOver<T>(traceId: string, fn: () => T): T {
    this._next = traceId;
    try {
      return fn();
    } finally {
      this._next = undefined;
    }
  }
}

/** Head sampling at the gate: the preload's sampler and the id generator OTel uses. */
export interface Head {
  readonly sampler: Sampler;
  readonly ids: HeadIds;
}

function startsTrace(request: IncomingMessage): boolean {
  const headers = request.headers;
  return headers['traceparent'] === undefined && headers['sentry-trace'] === undefined;
}

/**
 * `traced` for requests worth a span, `plain` for every other request and
 * event. With a `head`, a request that starts a trace is sampled here first.
 */
export function gateEmit(plain: Emit, traced: Emit, isTraceable: Traceable, head?: Head): Emit {
  return function emit(this: unknown, event, ...args) {
    if (event !== 'request') return plain.call(this, event, ...args);
    const request = args[0] as IncomingMessage;
    if (!isTraceable(request.method, request.url)) return plain.call(this, event, ...args);
    if (head === undefined || !startsTrace(request)) return traced.call(this, event, ...args);

    const traceId = head.ids.generateTraceId();
    const attributes = { 'http.request.method': request.method, 'url.path': stripQuery(request.url ?? '/') };
    const { decision } = head.sampler.shouldSample(ROOT_CONTEXT, traceId, '', SpanKind.SERVER, attributes, []);
    if (decision === SamplingDecision.RECORD_AND_SAMPLED) return head.ids.handOver(traceId, () => traced.call(this, event, ...args));
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: head.ids.generateSpanId(), traceFlags: TraceFlags.NONE });
    return context.with(unsampled, () => plain.call(this, event, ...args));
  };
}

const SERVER_PROTOTYPES: ReadonlySet<object> = new Set([HttpServer.prototype, HttpsServer.prototype]);

/** OTel's http instrumentation, with the gate around its incoming-request wrapper. */
export class GatedHttpInstrumentation extends HttpInstrumentation {
  constructor(config: HttpInstrumentationConfig, isTraceable: Traceable, head?: Head) {
    super({ ...config, ignoreIncomingRequestHook: (request) => !isTraceable(request.method, request.url) });
    const wrap = this._wrap;
    this._wrap = ((nodule: object, name: PropertyKey, wrapper: (original: Emit, name: PropertyKey) => Emit) =>
      wrap(
        nodule as Record<PropertyKey, Emit>,
        name,
        SERVER_PROTOTYPES.has(nodule) && name === 'emit'
          ? (original: Emit, n: PropertyKey) => gateEmit(original, wrapper(original, n), isTraceable, head)
          : wrapper,
      )) as typeof wrap;
  }
}
