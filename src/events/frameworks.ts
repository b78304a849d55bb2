/**
 * Route errors from Express and Fastify, captured without wrapping anything
 * the app or its framework hands to the app.
 *
 * Sentry 11.12's own Express and Fastify integrations rewrite router layers,
 * `next`, `addHook` and `setNotFoundHandler`, and each of those rewrites is
 * visible to apps and to the frameworks' own tests. Instead:
 * - Fastify 5 publishes `tracing:fastify.request.handler:error` for a
 *   handler's (or a pre-handler hook's) error, with the reply's status code
 *   already set from the error (fastify 5.12 handle-request.js,
 *   wrap-thenable.js). Subscribing touches nothing of the app's instance.
 * - Express (4 and 5) hands an error that no middleware answered to its final
 *   handler, which the `finalhandler` package makes per request, and which
 *   reports it through the `onerror` option Express passes. The factory is
 *   wrapped where Express requires it, to add our capture to that option;
 *   the app's `next`, layers and handlers are untouched.
 *
 * Only server errors are captured: an error the app (or the framework, from
 * the error's `status`) answers with a 4xx is the client's, not the service's.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { CaptureThrown } from './capture.js';
import { guarded } from '../preload/guarded.js';
import { spanName } from '../requests/naming.js';
import { routeOf } from '../requests/routes.js';

const FASTIFY_ERROR = 'tracing:fastify.request.handler:error';

interface FastifyHandlerStore {
  readonly error?: unknown;
  readonly reply?: { readonly statusCode?: unknown };
  readonly request?: { readonly method?: unknown; readonly url?: unknown };
  readonly route?: { readonly url?: unknown };
}

/** Subscribes to Fastify's handler errors; returns the unsubscribe. */
export function watchFastifyErrors(capture: CaptureThrown): () => void {
  const onError = guarded('the Fastify error subscriber', (message: unknown) => {
    const { error, reply, request, route } = message as FastifyHandlerStore;
    const status = reply?.statusCode;
    if (typeof status === 'number' && status < 500) return;
    const method = typeof request?.method === 'string' ? request.method : 'GET';
    const path = typeof request?.url === 'string' ? request.url : '/';
    const template = typeof route?.url === 'string' ? route.url : undefined;
    capture(error, { type: 'auto.function.fastify', handled: false }, { transaction: spanName(method, template, path) });
  });
  subscribe(FASTIFY_ERROR, onError);
  return () => unsubscribe(FASTIFY_ERROR, onError);
}

/**
 * The status finalhandler (1.x and 2.x) answers an error with: the error's own
 * 4xx/5xx `status` or `statusCode`, else the response's, else 500. A value
 * that cannot be read counts as a server error.
 */
export function finalStatus(error: unknown, res: Pick<ServerResponse, 'statusCode'>): number {
  const inRange = (code: unknown): code is number => typeof code === 'number' && code >= 400 && code <= 599;
  try {
    const own = error as { status?: unknown; statusCode?: unknown };
    if (inRange(own.status)) return own.status;
    if (inRange(own.statusCode)) return own.statusCode;
    return inRange(res.statusCode) ? res.statusCode : 500;
  } catch {
    return 500;
  }
}

type FinalHandler = (req: IncomingMessage, res: ServerResponse, options?: unknown) => (err?: unknown) => void;

// finalhandler is wrapped once per loaded copy, for the life of the process;
// the wrapper captures through whichever instrumentation is enabled now (the
// /testing helpers start and stop several in one process).
let active: CaptureThrown | undefined;

const onFinalError = guarded('the Express error hook', (err: unknown, req: IncomingMessage, res: ServerResponse) => {
  if (!active || finalStatus(err, res) < 500) return;
  const transaction = spanName(req.method ?? 'GET', routeOf(req), req.url ?? '/');
  active(err, { type: 'auto.http.express', handled: false }, { transaction });
});

/**
 * finalhandler calls `options.onerror(err, req, res)` for the error it
 * answers (deferred with setImmediate, so in the request's async context),
 * once it has read the error without throwing. Express always passes one
 * (its `logerror`). Ours captures, then calls Express's; the `done` the router
 * calls stays finalhandler's own, so no frame of ours enters any stack the
 * app can see, and an error finalhandler itself fails to read is captured
 * once, as the error Express then answers.
 */
function wrapFactory(original: FinalHandler): FinalHandler {
  return function finalhandler(this: unknown, req, res, options) {
    const given = (typeof options === 'object' && options !== null ? options : {}) as { onerror?: unknown };
    const appOnError = typeof given.onerror === 'function' ? (given.onerror as (...args: unknown[]) => unknown) : undefined;
    const onerror = function (this: unknown, err: unknown, request: IncomingMessage, response: ServerResponse): unknown {
      onFinalError(err, request, response);
      // eslint-disable-next-line prefer-rest-params -- passes on exactly what finalhandler gave
      return appOnError?.apply(this, arguments as unknown as unknown[]);
    };
    return original.call(this, req, res, { ...given, onerror });
  };
}

/** Wraps `finalhandler`'s factory where Express requires it (through OTel's module hooks). */
export class ExpressErrorCapture extends InstrumentationBase {
  private readonly capture: CaptureThrown;

  constructor(capture: CaptureThrown) {
    super('@org/sentry-register/express-errors', '1.0.0', { enabled: false });
    this.capture = capture;
    this.enable();
  }

  protected init(): InstrumentationNodeModuleDefinition {
    return new InstrumentationNodeModuleDefinition('finalhandler', ['>=1.0.0 <3'], (exports: unknown) =>
      typeof exports === 'function' ? wrapFactory(exports as FinalHandler) : exports,
    );
  }

  override enable(): void {
    super.enable();
    active = this.capture;
  }

  override disable(): void {
    super.disable();
    if (active === this.capture) active = undefined;
  }
}
