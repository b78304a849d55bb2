/**
 * The README's configuration table: what each variable of the config reader
 * (src/preload/config.ts `VARIABLES`) means and defaults to. Documentation, kept out
 * of the runtime: the preload loads the reader, never these texts.
 */

/** A variable of the config reader, as the README's configuration table shows it. */
export interface Variable {
  readonly name: string;
  /** Markdown. */
  readonly default: string;
  /** Markdown. */
  readonly meaning: string;
}

/** The README's table is generated from this list (`npm run docs:config`). */
export const VARIABLE_DOCS: readonly Variable[] = ([] = [
  {
    name: 'SENTRY_DSN',
    default: '(unset: off)',
    meaning: "Your Sentry project's DSN. Setting it turns everything on. Never printed; logs show only the host.",
  },
  {
    name: 'SENTRY_ENVIRONMENT',
    default: '`development`',
    meaning: 'Environment tag on every event and span (`deployment.environment.name`). Set it in production.',
  },
  {
    name: 'SENTRY_RELEASE',
    default: 'derived',
    meaning:
      'Full release name. Otherwise `<OTEL_SERVICE_NAME>@<version>`, the version read from the nearest `package.json` above the entry script (then the working directory). No version found: no release at all, and a line says so.',
  },
  {
    name: 'OTEL_SERVICE_NAME',
    default: '`lightspeed-stack`',
    meaning: 'Service name, on spans (`service.name`) and in the derived release.',
  },
  {
    name: 'SENTRY_TRACES_SAMPLE_RATE',
    default: '`0.25`',
    meaning: 'Share of eligible POST requests traced, from 0 to 1, decided on the trace id.',
  },
  {
    name: 'SENTRY_CA_CERTS',
    default: '(unset)',
    meaning:
      "Path to a PEM bundle for a Sentry behind a private CA. **Added to** Node's public roots, for both events and spans. TLS is never disabled.",
  },
  {
    name: 'SENTRY_DEBUG',
    default: '`false`',
    meaning: "Verbose lines from the preload (stderr) and Sentry's debug logger (stdout), still without the DSN.",
  },
  {
    name: 'SENTRY_REQUIRED',
    default: '`false`',
    meaning: 'Production guard: when `true`, a missing or invalid DSN (or a failed start) exits with code 1 before the app starts.',
  },
  {
    name: 'SENTRY_SCRUB_KEYS',
    default: '(none)',
    meaning:
      'Comma-separated extra keys whose values are replaced by `[FILTERED]` wherever they appear in an event (matched ignoring case, `-` and `_`).',
  },
  {
    name: 'SENTRY_IGNORE_ERRORS',
    default: '(none)',
    meaning:
      'Comma-separated extra noise: substrings (case-insensitive) or `/regex/flags` matched against `Name: message`. Matching errors are dropped and counted.',
  },
  {
    name: 'SENTRY_RELEASE_HEALTH',
    default: '`true`',
    meaning:
      'Release health: each served request is one session (`exited`, `errored` when an error was captured, `crashed` when the process died of it), sent per minute and at shutdown. Probes (`/readiness`, `/liveness`, `/metrics`, `/`) never count. `false` sends no sessions.',
  },
  {
    name: 'SENTRY_STORM_BURST',
    default: '`5`',
    meaning:
      'Error storms: events each kind of error (type, normalised message, top in-app frame) sends at once, before it is held to one per `SENTRY_STORM_INTERVAL`. The others are counted, not built.',
  },
  {
    name: 'SENTRY_STORM_INTERVAL',
    default: '`10`',
    meaning: 'Error storms: seconds between the events a kind of error sends after its burst.',
  },
  {
    name: 'SENTRY_STORM_MAX_PER_SECOND',
    default: '`20`',
    meaning: "Error storms: events per second across all kinds of error. A kind's first event and crashes always go.",
  },
  {
    name: 'OTEL_SDK_DISABLED',
    default: '`false`',
    meaning:
      'When `true`: no tracing at all (no OTel SDK, no spans, no trace headers). Errors are still captured and isolated per request.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    default: '(unset: Sentry only)',
    meaning:
      'Base URL of a second trace backend (OTel Collector, Jaeger, Tempo) over OTLP/HTTP, e.g. `http://otel-collector:4318`; `/v1/traces` is appended. It gets the same sampled, redacted spans as Sentry. Unset: nothing dials it.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    default: '(unset)',
    meaning: 'Full traces URL of the second backend, used as is; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    default: '(none)',
    meaning:
      '`key=value,...` (percent-encoded values) sent to the second backend only, never to Sentry; `OTEL_EXPORTER_OTLP_TRACES_HEADERS` adds to and overrides it. Values are never printed.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    default: '`http/protobuf`',
    meaning:
      '`http/protobuf` or `http/json` (or `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`). `grpc` is not supported: a warning, then `http/protobuf`.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    default: '`1800`',
    meaning:
      'Milliseconds per export to the second backend, retries included (or `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`). The default is the shutdown budget, so a backend that is down never keeps a finished process alive.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_COMPRESSION',
    default: '`none`',
    meaning: '`gzip` or `none` (or `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`).',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_CERTIFICATE',
    default: '(unset)',
    meaning:
      "PEM file of CAs for an HTTPS backend, added to Node's roots. `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and `OTEL_EXPORTER_OTLP_CLIENT_KEY` give a client certificate (mutual TLS); `TRACES_` variants win.",
  },
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    default: '(none)',
    meaning:
      '`key=value,...` resource attributes on every span. `service.name`, `service.version` and `deployment.environment.name` always come from the settings above, so Sentry and the collector agree.',
  },
  {
    name: 'K8S_POD_NAME',
    default: '(unset)',
    meaning:
      'With `K8S_POD_UID`, `K8S_NAMESPACE_NAME`, `K8S_NODE_NAME` and `K8S_CONTAINER_NAME`: `k8s.*` resource attributes, from the downward API ([docs/deploy.md](docs/deploy.md)). No cloud metadata is probed.',
  },
]);

/** The README's configuration table. */
export function configTable(): string {
  const lines = ['| Variable | Default | Meaning |', '| --- | --- | --- |'];
  for (const v of VARIABLE_DOCS) lines.push(`| \`${v.name}\` | ${v.default} | ${v.meaning} |`);
  return lines.join('\n');
}
