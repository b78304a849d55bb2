/**
 * The hand-written sections of docs/performance.md: what was traded for the
 * figures, and where the remaining cost is. Edit them here; the figures around
 * them are generated (bench/report.ts), and none belong in this file.
 */

export const TRADE_OFFS = `## Trade-offs made for these figures

- **Requests the sampler drops skip OTel entirely** (\`src/gate.ts\`). OTel's http instrumentation still enters a
  context and binds the request and response emitters for a request its \`ignoreIncomingRequestHook\` rejects; the gate
  wraps OTel's wrapper and sends GETs and health routes straight past it. A trace that arrives on such a request is not
  carried on to the calls it makes.
- **POSTs that start a trace are sampled at the gate**, by the same \`LightspeedSampler\`, before OTel spends anything on
  them. The gate draws the trace id; a kept request hands it to OTel's id generator, so OTel's own sampler decision (on the
  same id) comes out the same. A dropped one runs in a bare unsampled span context: its outgoing calls still carry
  \`traceparent …-00\` and \`sentry-trace …-0\`, and its errors still carry a trace id, but no span object, attributes or
  emitter bindings are made. POSTs from a traced peer (\`traceparent\` or \`sentry-trace\`) go through OTel, which follows
  the peer's decision.
- **Sentry's Http integration is not used.** Its server side clones scopes twice, copies every header and keeps request
  sessions for each request, which a profile showed to cost more than half of the server's throughput. \`src/isolation.ts\`
  gives each request its own isolation scope (tags, user and breadcrumbs stay with it; events keep method, URL and transaction
  name). Given up with it: breadcrumbs for outgoing \`http.request\` calls (\`fetch\` keeps them), release-health request
  sessions, and the response status in the event's \`response\` context.
- **The isolation scope is forked lazily.** Each request enters Sentry's own AsyncLocalStorage with a placeholder; the first
  read of its scopes (a tag, a breadcrumb, an error) runs \`Sentry.withIsolationScope\` from the request's parent context.
  Most requests never touch Sentry and pay one AsyncLocalStorage entry instead of two scope clones and three random ids. The
  store's shape is Sentry's private API, so it is probed at start; a mismatch falls back to forking eagerly.
- **Outgoing calls outside any request get no span and no trace headers** (\`requireParentfor…\`).
- **The OTel peer runs with OTel's ESM loader** (\`--experimental-loader=@opentelemetry/instrumentation/hook.mjs\`), as
  OTel documents for ESM apps. Without it the http instrumentation never sees the app's \`import http\` and traces nothing,
  which made earlier runs of this benchmark report it near bare speed. Every tracing variant must now deliver to the sink, or
  the run fails.
`;

export const WHERE_THE_TIME_GOES = `## Where the rest of the time goes

- **Startup with a DSN**: see the startup breakdown above, measured in the same run as the other figures. The
  preload needs both \`@sentry/node\` and \`@opentelemetry/sdk-node\`; \`@sentry/node\`'s own setup pays for importing
  the first too.
- **RSS** follows the same imports.
- **A dropped request** pays one AsyncLocalStorage entry, and Node 20's async-hooks bookkeeping for every async resource
  the request creates while any AsyncLocalStorage is in use. A hand-written preload doing nothing but one
  \`AsyncLocalStorage.run\` per request measured 85–92% of bare on hello-world here: that is the floor for any per-request
  isolation on Node 20.
- **A sampled request** pays OTel's full server-span path (attributes, context, emitter bindings, span end) and its share
  of the OTLP export (serialization and masking of span attributes).
`;
