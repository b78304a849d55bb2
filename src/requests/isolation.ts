/**
 * Per-request isolation for Sentry, at a fraction of the cost of Sentry's Http
 * integration (@sentry/node 11.12), whose server side alone caps a hello-world
 * server at about a quarter of its throughput: per request it clones scopes
 * twice, copies every header, builds trace state and session bookkeeping that
 * this preload does not use (OTel owns traces, no headers are sent).
 *
 * Here each request runs in its own isolation scope, so tags, users and
 * breadcrumbs set while handling it stay with it, and its events carry the
 * method, URL and a transaction name.
 *
 * The fork is lazy. Most requests never touch Sentry, and forking eagerly (two
 * scope clones, three random trace ids) cost a hello-world server a third of
 * its throughput. Each request enters Sentry's own AsyncLocalStorage with a
 * placeholder; the first read of its scopes runs `Sentry.withIsolationScope`
 * from the request's parent context, so the scopes are exactly the ones Sentry
 * would have made, only later. The store shape is Sentry's private API: it is
 * probed once at start, and any mismatch falls back to forking eagerly.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Server as HttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import { getAsyncContextStrategy, getMainCarrier } from '@sentry/core';
import type { Scope } from '@sentry/core';
import { stripQuery } from './sampler.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

export interface SentryScopes {
  readonly withIsolationScope: <T>(callback: (scope: Scope) => T) => T;
  readonly getIsolationScope: () => Scope;
  readonly getCurrentScope: () => Scope;
}

/** What one request puts on its isolation scope, and the request itself. */
interface RequestFacts {
  readonly method: string;
  readonly url: string;
  readonly host: string | undefined;
  readonly scheme: string;
  readonly request?: IncomingMessage;
  readonly response?: ServerResponse;
}

/** Told about each request's fresh isolation scope, when it is made (sessions.ts). */
export type OnFork = (scope: Scope, request: IncomingMessage, response: ServerResponse) => void;

/**
 * Calls `next` (with `thisArg` and `args`) in the request's own isolation
 * scope. Called directly rather than through a closure: each frame of ours
 * between the server and the app's handler is one frame of the app's less in
 * a 10-frame stack trace.
 */
export type Isolate = <T>(facts: RequestFacts, next: (...args: never[]) => T, thisArg?: unknown, args?: ArrayLike<unknown>) => T;

function describe(scope: Scope, facts: RequestFacts, onFork: OnFork | undefined): void {
  scope.setSDKProcessingMetadata({
    normalizedRequest: { method: facts.method, url: `${facts.scheme}://${facts.host ?? 'localhost'}${facts.url}` },
  });
  scope.setTransactionName(`${facts.method} ${stripQuery(facts.url)}`);
  if (onFork && facts.request && facts.response) onFork(scope, facts.request, facts.response);
}

/** Forks at request start, through Sentry's public API. */
export function eagerIsolation(sentry: SentryScopes, onFork?: OnFork): Isolate {
  return (facts, next, thisArg, args = []) =>
    sentry.withIsolationScope((scope) => {
      describe(scope, facts, onFork);
      return Reflect.apply(next, thisArg, args);
    });
}

interface Store {
  readonly scope: Scope;
  readonly isolationScope: Scope;
}

/** Forks on the first read of the request's scopes; `undefined` when Sentry's store is not what it expects. */
export function lazyIsolation(sentry: SentryScopes, onFork?: OnFork): Isolate | undefined {
  const storage = getAsyncContextStrategy(getMainCarrier()).getTracingChannelBinding?.()?.asyncLocalStorage;
  if (!(storage instanceof AsyncLocalStorage)) return undefined;
  const als = storage as AsyncLocalStorage<Store | undefined>;

  /** The request's store until something reads it; then Sentry's own fork, made from the request's parent. */
  class LazyStore implements Store {
    private forked: Store | undefined;
    constructor(
      private readonly parent: Store | undefined,
      private readonly facts: RequestFacts,
    ) {}
    get scope(): Scope {
      return this.fork().scope;
    }
    get isolationScope(): Scope {
      return this.fork().isolationScope;
    }
    private fork(): Store {
      return (this.forked ??= als.run(this.parent, () =>
        sentry.withIsolationScope((scope) => {
          describe(scope, this.facts, onFork);
          return als.getStore() as Store;
        }),
      ));
    }
  }
  // enterWith and its undo, rather than run(): the same store for the same
  // synchronous call and everything it schedules, without run()'s frames.
  const isolate: Isolate = (facts, next, thisArg, args = []) => {
    const parent = als.getStore();
    als.enterWith(new LazyStore(parent, facts));
    try {
      return Reflect.apply(next, thisArg, args);
    } finally {
      als.enterWith(parent);
    }
  };

  // The probe: Sentry reads its scopes from this store, and a fork through the
  // placeholder yields the very scopes Sentry's own fork put there.
  const works = isolate({ method: 'GET', url: '/', host: undefined, scheme: 'http' }, () => {
    const store = als.getStore();
    const isolation = sentry.getIsolationScope();
    return store !== undefined && isolation === store.isolationScope && sentry.getCurrentScope() === store.scope && isolation !== undefined;
  });
  return works ? isolate : undefined;
}

/** Patches the servers' `emit` once; returns the function that undoes it. */
export function isolateRequests(isolate: Isolate): () => void {
  const restores = [
    [HttpServer.prototype, 'http'],
    [HttpsServer.prototype, 'https'],
  ].map(([proto, scheme]) => {
    const target = proto as { emit: Emit };
    const original = target.emit;
    target.emit = function emit(this: unknown, event, ...args) {
      if (event !== 'request') return original.call(this, event, ...args);
      const request = args[0] as IncomingMessage;
      const response = args[1] as ServerResponse;
      const facts = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        host: request.headers.host,
        scheme: scheme as string,
        request,
        response,
      };
      // eslint-disable-next-line prefer-rest-params -- the very arguments the server emitted, with no copy
      return isolate(facts, original, this, arguments);
    };
    return () => {
      target.emit = original;
    };
  });
  return () => restores.forEach((restore) => restore());
}
