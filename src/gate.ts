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
 * The hook point is the instrumentation's own `_wrap`, so the gate is in place
 * exactly when OTel patches a server, and OTel's unwrap removes both.
 */
import { Server as HttpServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
export type Traceable = (method: string | undefined, url: string | undefined) => boolean;

/** `traced` for requests worth a span, `plain` for every other request and event. */
export function gateEmit(plain: Emit, traced: Emit, isTraceable: Traceable): Emit {
  return function emit(this: unknown, event, ...args) {
    if (event === 'request') {
      const request = args[0] as IncomingMessage;
      if (isTraceable(request.method, request.url)) return traced.call(this, event, ...args);
    }
    return plain.call(this, event, ...args);
  };
}

const SERVER_PROTOTYPES: ReadonlySet<object> = new Set([HttpServer.prototype, HttpsServer.prototype]);

/** OTel's http instrumentation, with the gate around its incoming-request wrapper. */
export class GatedHttpInstrumentation extends HttpInstrumentation {
  constructor(config: HttpInstrumentationConfig, isTraceable: Traceable) {
    super({ ...config, ignoreIncomingRequestHook: (request) => !isTraceable(request.method, request.url) });
    const wrap = this._wrap;
    this._wrap = ((nodule: object, name: PropertyKey, wrapper: (original: Emit, name: PropertyKey) => Emit) =>
      wrap(
        nodule as Record<PropertyKey, Emit>,
        name,
        SERVER_PROTOTYPES.has(nodule) && name === 'emit'
          ? (original: Emit, n: PropertyKey) => gateEmit(original, wrapper(original, n), isTraceable)
          : wrapper,
      )) as typeof wrap;
  }
}
