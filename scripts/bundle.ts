/**
 * The bundle the package ships (`npm run build`, after tsc): dist/bundle/ is
 * what "exports" and "bin" load. tsc's output in dist/ stays, for the .d.ts
 * types and for the unit tests, which import dist/src/*.js directly.
 *
 * Why: from node_modules the preload with a DSN loaded about 1,100 files, and
 * resolving and compiling them was most of its startup. Bundled, the same
 * code is a handful of files, with only the parts of Sentry and OTel we call
 * (their packages declare "sideEffects": false, so the rest is shaken away).
 *
 * One esbuild run over every public entry point, ESM with code splitting, so
 * a module two entries share becomes one shared chunk: the preload, /api,
 * /testing and the CLI see one log.ts (registered secrets, the line mask), one
 * start.ts and one bridge.ts. sdk.ts stays behind start.ts's `import()`, in
 * chunks of its own: with no DSN the preload loads register.js and two small
 * chunks of ours, nothing else.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Metafile, Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'dist', 'bundle');

/** The public entry points: package.json "exports" and "bin", as tsc emitted them. */
const ENTRIES = ['dist/register.js', 'dist/src/api/api.js', 'dist/src/testing/testing.js', 'dist/src/cli/cli.js'];

/**
 * Never bundled, loaded from node_modules as they are:
 * - `@opentelemetry/api`: one copy per process, the app's and ours, so that
 *   both see the one registered tracer provider, propagator and context
 *   manager (a bundled copy of another version would refuse to share them);
 * - `import-in-the-middle`: hooks.ts registers its loader by URL
 *   (`import-in-the-middle/hook.mjs`, resolved from this folder as from
 *   dist/src/), and the instrumentations' `Hook`s must talk to that loader's
 *   module, not to a copy inside a chunk.
 * `require-in-the-middle` is external too, through `fromDeclaringPackage`.
 */
const EXTERNAL = ['@opentelemetry/api', 'import-in-the-middle', 'import-in-the-middle/*'];

/**
 * `require-in-the-middle` patches `Module.prototype.require` and must be the
 * real, single module. It is a dependency of @opentelemetry/instrumentation,
 * not of ours, so a bare import from dist/bundle/ would not resolve under
 * pnpm's strict layout: it is required from the directory of the
 * @opentelemetry/instrumentation we depend on, the copy the unbundled code
 * would load. Only `Hook` is imported (instrumentation 0.223); a new import
 * fails the build instead of reading undefined.
 */
const fromDeclaringPackage: Plugin = {
  name: 'from-declaring-package',
  setup(build) {
    build.onResolve({ filter: /^require-in-the-middle$/ }, () => ({ path: 'require-in-the-middle', namespace: 'declared' }));
    build.onLoad({ filter: /.*/, namespace: 'declared' }, () => ({
      loader: 'js',
      resolveDir: ROOT,
      contents: [
        "import { createRequire } from 'node:module';",
        "const instrumentation = createRequire(import.meta.url).resolve('@opentelemetry/instrumentation');",
        "export const { Hook } = createRequire(instrumentation)('require-in-the-middle');",
      ].join('\n'),
    }));
  },
};

/**
 * What NodeSDK (sdk-node 0.223, CommonJS) requires at load but reaches only
 * when a component is left to environment variables: the OTLP, Zipkin and
 * Prometheus exporters (with gRPC and protobufjs), the B3 and Jaeger
 * propagators, the metrics SDK. tracing.ts passes every component explicitly
 * (span processors, propagator, `metricReaders: []`, `logRecordProcessors: []`),
 * so none is used; each becomes a stub that requires the real package from
 * node_modules on first property read, should a future NodeSDK reach it.
 */
const NOT_CONFIGURED_BY_ENV = new Set([
  '@opentelemetry/exporter-logs-otlp-grpc',
  '@opentelemetry/exporter-logs-otlp-http',
  '@opentelemetry/exporter-logs-otlp-proto',
  '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/exporter-metrics-otlp-http',
  '@opentelemetry/exporter-metrics-otlp-proto',
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/exporter-trace-otlp-proto',
  '@opentelemetry/exporter-prometheus',
  '@opentelemetry/exporter-zipkin',
  '@opentelemetry/propagator-b3',
  '@opentelemetry/propagator-jaeger',
  '@opentelemetry/sdk-metrics',
]);

/**
 * NodeSDK from its own module: the package's index also re-exports the logs,
 * metrics and trace SDKs and `startNodeSDK`, whose declarative configuration
 * requires a YAML parser and every exporter. The path has no "exports" map to
 * pass (sdk-node 0.223); if one appears, resolving it fails the build.
 */
const nodeSdkAlone: Plugin = {
  name: 'node-sdk-alone',
  setup(build) {
    build.onResolve({ filter: /^@opentelemetry\/sdk-node$/ }, async (args) => {
      const { path, errors } = await build.resolve('@opentelemetry/sdk-node/build/src/sdk.js', {
        kind: args.kind,
        resolveDir: args.resolveDir,
      });
      return { path, errors };
    });
    build.onResolve({ filter: /^@opentelemetry\// }, (args) =>
      NOT_CONFIGURED_BY_ENV.has(args.path) && args.importer.includes('/node_modules/@opentelemetry/sdk-node/')
        ? { path: args.path, namespace: 'on-first-use' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'on-first-use' }, (args) => ({
      loader: 'js',
      // CommonJS, as NodeSDK requires it: `require` is the banner's (below).
      contents: [
        'let real;',
        `const load = () => (real ??= require('node:module').createRequire(require.resolve('@opentelemetry/sdk-node'))(${JSON.stringify(args.path)}));`,
        'module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });',
      ].join('\n'),
    }));
  },
};

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outbase: 'dist',
  outdir: OUT,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // package.json "engines": >=20.19 <21 || >=22.12.
  target: 'node20.19',
  // The ES module builds, which esbuild can shake; CommonJS only where a package has no other.
  mainFields: ['module', 'main'],
  external: EXTERNAL,
  plugins: [fromDeclaringPackage, nodeSdkAlone],
  define: {
    // client.ts always passes `enableRuntimeChannelInjection: false`; this is the
    // switch @sentry/node 11.12 reads before it (sdk/client.js), so the
    // injection code and @sentry/server-runtime-injection drop out.
    __SENTRY_CHANNEL_INJECTION__: 'false',
  },
  // The CommonJS packages inside a chunk (instrumentation-http, sdk-node) call
  // require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  // Whitespace only: every function keeps its name in the app's stack traces
  // (`isolate`, `Server.emit`). minifySyntax also drops the names of function
  // expressions (`target.emit = function emit` became `target.emit`) and
  // minifyIdentifiers renames everything; neither made startup measurably
  // faster (Node 24, 25 interleaved runs: 314, 320 and 301 ms of CPU; only
  // renaming saved memory, 2.7 MB of 84).
  minifyWhitespace: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

// Beside the bundle, not in it: what each chunk holds, for test/bundle.test.ts.
writeFileSync(join(ROOT, 'dist', 'bundle-meta.json'), JSON.stringify(result.metafile));
writeFileSync(join(OUT, 'THIRD_PARTY_LICENSES.txt'), licenses(result.metafile));
for (const file of Object.keys(result.metafile.outputs)) if (file.endsWith('.map')) keepOwnSources(join(ROOT, file));

/**
 * The maps keep the text of our sources (src/*.ts is not shipped) and only
 * the positions of the packages' code: their text was 3.3 MB of the 4.1 MB
 * of maps, and a mapped frame names their file and line without it.
 */
function keepOwnSources(file: string): void {
  const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
  map.sourcesContent = map.sources.map((source, i) => (source.includes('node_modules/') ? null : (map.sourcesContent?.[i] ?? null)));
  writeFileSync(file, JSON.stringify(map));
}

/** The licence of every package with code in the bundle, since the chunks carry no headers. */
function licenses(meta: Metafile): string {
  const packages = new Map<string, string>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
      if (match?.[1] && match[2] && bytesInOutput > 0) packages.set(match[2], join(ROOT, match[1]));
    }
  }
  return [...packages]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, dir]) => {
      const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license: string };
      const file = readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
      return `${name}@${version} (${license})\n\n${file ? readFileSync(join(dir, file), 'utf8').trim() : `license: ${license}`}\n`;
    })
    .join(`\n${'-'.repeat(72)}\n\n`);
}
