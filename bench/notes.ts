/**
 * The hand-written sections of docs/performance.md: what was traded for the
 * figures, and where the remaining cost is. Edit them here; the figures around
 * them are generated (bench/report.ts), and none belong in this file.
 */

export const TRADE_OFFS = `## Trade-offs made for these figures

- **Requests the sampler drops skip OTel entirely** (\`src/requests/gate.ts\`). OTel's http instrumentation still enters a
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
  sessions for each request, which a profile showed to cost more than half of the server's throughput. \`src/requests/isolation.ts\`
  gives each request its own isolation scope (tags, user and breadcrumbs stay with it; events keep method, URL and transaction
  name). Given up with it: breadcrumbs for outgoing \`http.request\` calls (\`fetch\` keeps them) and the response status
  in the event's \`response\` context.
- **Release-health request sessions are counted without a scope** (\`src/requests/sessions.ts\`). Sentry's Http integration gives every
  request its own session on a forked isolation scope. Here a request that never touches Sentry is added to a plain per-minute
  counter when Node publishes \`http.server.response.finish\` (no listener on the app's response, no scope, no allocation);
  only a request that forked its scopes anyway (an error, a breadcrumb, a tag) gets Sentry's own \`startRequestSession\`.
  Probes never count. The aggregates go out through Sentry's client (\`sendSession\`), which builds the envelope.
- **The isolation scope is forked lazily.** Each request enters Sentry's own AsyncLocalStorage with a placeholder; the first
  read of its scopes (a tag, a breadcrumb, an error) runs \`Sentry.withIsolationScope\` from the request's parent context.
  Most requests never touch Sentry and pay one AsyncLocalStorage entry instead of two scope clones and three random ids. The
  store's shape is Sentry's private API, so it is probed at start; a mismatch falls back to forking eagerly.
- **Outgoing calls outside any request get no span and no trace headers** (\`requireParentfor…\`).
- **The preload's runtime is a bundle** (\`dist/bundle/\`, esbuild in \`npm run build\`, \`scripts/bundle.ts\`): only the parts
  of \`@sentry/node\`, \`@sentry/core\` and the OTel SDK packages it calls, in 21 files instead of about 1,100 loaded from
  \`node_modules\`. Resolving and compiling those files was most of the startup with a DSN: before the bundle it added +1141 ms
  on Node 20 and +870 ms on Node 24 (107% and 148% of what \`@sentry/node\`'s default adds), RSS +73 MB and +54 MB at listening.
  What it costs users:
  - **A patch no longer reaches the preload.** \`patch-package\`, \`npm patch\`, or \`overrides\` pointing \`@sentry/node\`,
    \`@sentry/core\` or an \`@opentelemetry/*\` SDK package at another version or a fork change what is installed, not what the
    preload runs; a fix has to come through a release of this package. Only \`@opentelemetry/api\` (one copy per process, shared
    with the app), \`import-in-the-middle\` and \`require-in-the-middle\` (module hooks, which must be the real single modules)
    still load from \`node_modules\`.
  - **The bundled packages are declared at the exact versions they were built from** (\`"@sentry/node": "11.12.0"\`), so
    \`npm ls\` and \`npm audit\` report what runs. A caret range would let npm install a newer version than the bundled one and
    report that instead. The two external ones stay caret ranges, deduped with the app's.
  - **An app's own \`@sentry/node\` is a second copy.** Its calls still reach the preload's client when it is the bundled version
    (Sentry keeps one client per SDK version in the process); another version gets one warning naming the version to install,
    or \`@org/sentry-register/api\` (README, "Apps that call Sentry themselves").
  - **The tarball grew** from about 92 kB to 450 kB (1.9 MB unpacked): the bundle carries source maps, so that with
    \`--enable-source-maps\` our frames in a stack read \`src/*.ts\`; without it they point into \`dist/bundle/chunks/*.js\`,
    whose code is not minified beyond whitespace and keeps its function names.
  - **Node's compile cache was measured and left off.** On Node 24, \`NODE_COMPILE_CACHE\` with a warm cache started the hello
    app with a DSN in 267 ms against 273 ms without (medians of 15 interleaved runs): within noise once the code is a few files,
    and \`module.enableCompileCache()\` would change the whole process, the app's modules included.
- **The OTel peer runs with OTel's ESM loader** (\`--experimental-loader=@opentelemetry/instrumentation/hook.mjs\`), as
  OTel documents for ESM apps. Without it the http instrumentation never sees the app's \`import http\` and traces nothing,
  which made earlier runs of this benchmark report it near bare speed. Every tracing variant must now deliver to the sink, or
  the run fails.
`;

export const WHERE_THE_TIME_GOES = `## Where the rest of the time goes

- **Startup with a DSN**: see the startup breakdown above, measured in the same run as the other figures. What is left
  is about half compiling and running the bundled Sentry and OTel code ("DSN wiring") and half \`start()\`: building the
  NodeSDK, the instrumentations' module hooks, \`Sentry.init\` and registering the ESM loader hooks.
- **RSS** follows the same imports.
- **A dropped request** pays one AsyncLocalStorage entry, and Node 20's async-hooks bookkeeping for every async resource
  the request creates while any AsyncLocalStorage is in use. A hand-written preload doing nothing but one
  \`AsyncLocalStorage.run\` per request measured 85–92% of bare on hello-world here: that is the floor for any per-request
  isolation on Node 20.
- **A sampled request** pays OTel's full server-span path (attributes, context, emitter bindings, span end) and its share
  of the OTLP export (serialization and masking of span attributes).
`;
