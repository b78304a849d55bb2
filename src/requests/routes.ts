/**
 * Framework routes for span names, without framework instrumentation.
 * - Express 4/5 leave the matched route on the request (`req.route`, `req.baseUrl`).
 * - Fastify 5 publishes `tracing:fastify.request.handler:start` with its
 *   request (route in `routeOptions.url`, raw request in `raw`).
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { guarded } from '../preload/guarded.js';

const fastifyRoutes = new WeakMap<object, string>();
let subscribed = false;

interface FastifyHandlerMessage {
  request?: { raw?: object; routeOptions?: { url?: unknown } };
}

/** Starts listening for Fastify's handler channel (once per process). */
export function watchFrameworkRoutes(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe(
    'tracing:fastify.request.handler:start',
    guarded('the Fastify route subscriber', (message: unknown) => {
      const request = (message as FastifyHandlerMessage).request;
      const url = request?.routeOptions?.url;
      if (request?.raw && typeof url === 'string') fastifyRoutes.set(request.raw, url);
    }),
  );
}

/** The framework's route template for a finished request, if one is known. */
export function routeOf(req: IncomingMessage): string | undefined {
  const fastify = fastifyRoutes.get(req);
  if (fastify !== undefined) return fastify;
  try {
    const express = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown };
    if (express.route && typeof express.route.path === 'string') {
      const base = typeof express.baseUrl === 'string' ? express.baseUrl : '';
      return `${base}${express.route.path}` || '/';
    }
  } catch {
    // An app's own `route` or `baseUrl` getter threw: no template, the path names it.
  }
  return undefined;
}
