/**
 * The standard `OTEL_*` variables the preload honours, read into plain typed
 * values for `readConfig` (no OTel import here: with no DSN nothing of OTel
 * loads).
 * - `OTEL_EXPORTER_OTLP_(TRACES_)*`: a second trace backend (an OTel
 *   Collector, Jaeger, Tempo) that gets the same sampled spans as Sentry.
 * - `OTEL_SDK_DISABLED`: tracing off, error capture kept.
 * - `OTEL_RESOURCE_ATTRIBUTES` and the downward-API `K8S_*` variables: resource attributes.
 *
 * Names, defaults and precedence follow the OpenTelemetry specification
 * ("OTLP Exporter Configuration", "Environment Variable Specification"):
 * a signal-specific variable wins over the generic one, and the generic
 * endpoint gets `v1/traces` appended. Bad values get one warning each, naming
 * the variable but never quoting a value that may hold credentials.
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** The second trace backend. `headers` values are secrets (API keys): never log them. */
export interface CollectorConfig {
  /** The full traces URL. */
  readonly url: string;
  /** Host (and port), safe to show. */
  readonly host: string;
  /** The variable the URL came from. */
  readonly source: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  /** Set only when a TIMEOUT variable is; otherwise the shutdown budget applies (sdk/processors.ts). */
  readonly timeoutMs: number | undefined;
  readonly compression: 'gzip' | 'none';
  /** PEM file of CAs to trust, added to Node's roots. */
  readonly certificate: FileSetting | undefined;
  /** Client certificate and key (PEM files) for mutual TLS. */
  readonly clientCertificate: FileSetting | undefined;
  readonly clientKey: FileSetting | undefined;
}

/** A file path and the variable that named it (for warnings). */
export interface FileSetting {
  readonly variable: string;
  readonly path: string;
}

type Get = (name: string) => string | undefined;
type Warn = (message: string) => void;

const TRACES = 'OTEL_EXPORTER_OTLP_TRACES_';
const GENERIC = 'OTEL_EXPORTER_OTLP_';

/** The signal-specific variable when set, else the generic one: `[name, value]`. */
function either(get: Get, suffix: string): [string, string] | undefined {
  for (const name of [TRACES + suffix, GENERIC + suffix]) {
    const value = get(name);
    if (value !== undefined) return [name, value];
  }
  return undefined;
}

/** The collector, when an OTLP endpoint variable is set; undefined (and nothing dialled) otherwise. */
export function readCollector(get: Get, warn: Warn): CollectorConfig | undefined {
  const specific = get(`${TRACES}ENDPOINT`);
  const generic = get(`${GENERIC}ENDPOINT`);
  const source = specific !== undefined ? `${TRACES}ENDPOINT` : `${GENERIC}ENDPOINT`;
  const raw = specific ?? generic;
  if (raw === undefined) return undefined;

  // The generic endpoint is a base URL: per the spec, `v1/traces` is appended to its path.
  const url = parseEndpoint(specific !== undefined ? raw : `${raw.replace(/\/+$/, '')}/v1/traces`);
  if (typeof url === 'string') {
    warn(`${source} ${url}; no second trace backend, spans go to Sentry only`);
    return undefined;
  }

  const clientCertificate = fileSetting(get, 'CLIENT_CERTIFICATE');
  const clientKey = fileSetting(get, 'CLIENT_KEY');
  if ((clientCertificate === undefined) !== (clientKey === undefined)) {
    const [has, lacks] = clientCertificate ? [clientCertificate.variable, 'CLIENT_KEY'] : [clientKey?.variable, 'CLIENT_CERTIFICATE'];
    warn(`${has} is set without OTEL_EXPORTER_OTLP_${lacks}; connecting without a client certificate`);
  }
  return Object.freeze({
    url: url.toString(),
    host: url.host,
    source,
    protocol: readProtocol(get, warn),
    headers: Object.freeze(readHeaders(get, warn)),
    timeoutMs: readTimeout(get, warn),
    compression: readCompression(get, warn),
    certificate: fileSetting(get, 'CERTIFICATE'),
    clientCertificate: clientKey ? clientCertificate : undefined,
    clientKey: clientCertificate ? clientKey : undefined,
  });
}

function fileSetting(get: Get, suffix: string): FileSetting | undefined {
  const found = either(get, suffix);
  return found ? Object.freeze({ variable: found[0], path: found[1] }) : undefined;
}

/** The URL, or why it is not usable (never quoting it: it may carry credentials). */
function parseEndpoint(value: string): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http or https URL (OTLP/HTTP; got scheme ${JSON.stringify(url.protocol.slice(0, 12))})`;
  }
  return url;
}

function readProtocol(get: Get, warn: Warn): OtlpProtocol {
  const found = either(get, 'PROTOCOL');
  if (!found) return 'http/protobuf';
  const [name, value] = found;
  if (value === 'http/protobuf' || value === 'http/json') return value;
  if (value === 'grpc') {
    // gRPC would load @grpc/grpc-js into every service for one exporter; OTLP/HTTP carries the same data.
    warn(`${name}=grpc is not supported; using http/protobuf (point the endpoint at the collector's OTLP/HTTP port, usually 4318)`);
  } else {
    warn(`${name} must be http/protobuf or http/json (got ${JSON.stringify(value.slice(0, 20))}); using http/protobuf`);
  }
  return 'http/protobuf';
}

/**
 * Generic headers first, signal-specific ones over them, key by key (what
 * OTel's exporters do). Each list is `key=value,...` with percent-encoded
 * values (W3C Baggage format, per the spec).
 */
function readHeaders(get: Get, warn: Warn): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [`${GENERIC}HEADERS`, `${TRACES}HEADERS`]) {
    const value = get(name);
    if (value === undefined) continue;
    const { pairs, rejected } = parseKeyValueList(value);
    for (const [key, v] of pairs) {
      if (!HEADER_NAME.test(key) || /[\0\r\n]/.test(v)) rejected.push(key);
      else out[key.toLowerCase()] = v;
    }
    if (rejected.length > 0) warn(`${name} has ${rejected.length} malformed entry(ies); sending the others`);
  }
  return out;
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `key=value,key2=value2` with percent-encoded values, as the spec's
 * OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES use. Entries
 * without `=`, with an empty key or with broken percent-encoding are
 * rejected (returned by key only: values may be secrets).
 */
function parseKeyValueList(value: string): { pairs: Array<[string, string]>; rejected: string[] } {
  const pairs: Array<[string, string]> = [];
  const rejected: string[] = [];
  for (const entry of value.split(',')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    const key = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    if (eq < 0 || key === '') {
      rejected.push(key.slice(0, 40) || '(empty)');
      continue;
    }
    try {
      pairs.push([decodeURIComponent(key), decodeURIComponent(entry.slice(eq + 1).trim())]);
    } catch {
      rejected.push(key.slice(0, 40));
    }
  }
  return { pairs, rejected };
}

function readTimeout(get: Get, warn: Warn): number | undefined {
  const found = either(get, 'TIMEOUT');
  if (!found) return undefined;
  const [name, value] = found;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(n) && n > 0) return n;
  warn(`${name} must be a whole number of milliseconds above 0 (got ${JSON.stringify(value.slice(0, 20))}); using the default`);
  return undefined;
}

function readCompression(get: Get, warn: Warn): 'gzip' | 'none' {
  const found = either(get, 'COMPRESSION');
  if (!found) return 'none';
  const [name, value] = found;
  if (value === 'gzip' || value === 'none') return value;
  warn(`${name} must be gzip or none (got ${JSON.stringify(value.slice(0, 20))}); using none`);
  return 'none';
}

/**
 * Kubernetes facts from the downward API, as the pod spec in docs/deploy.md
 * maps them (`fieldRef: metadata.name` and the like), under their semantic
 * convention names. Nothing is probed: no API server, no cloud metadata.
 */
const K8S_VARIABLES: ReadonlyArray<readonly [variable: string, attribute: string]> = [
  ['K8S_POD_NAME', 'k8s.pod.name'],
  ['K8S_POD_UID', 'k8s.pod.uid'],
  ['K8S_NAMESPACE_NAME', 'k8s.namespace.name'],
  ['K8S_NODE_NAME', 'k8s.node.name'],
  ['K8S_CONTAINER_NAME', 'k8s.container.name'],
];

/**
 * Resource attributes from `OTEL_RESOURCE_ATTRIBUTES`, then the `K8S_*`
 * variables over them. `service.*` and `deployment.environment.name` are set
 * by the SDK start from the same settings Sentry uses, so both backends agree.
 */
export function readResourceAttributes(get: Get, warn: Warn): Record<string, string> {
  const out: Record<string, string> = {};
  const list = get('OTEL_RESOURCE_ATTRIBUTES');
  if (list !== undefined) {
    const { pairs, rejected } = parseKeyValueList(list);
    for (const [key, value] of pairs) out[key] = value;
    if (rejected.length > 0) {
      warn(`OTEL_RESOURCE_ATTRIBUTES has ${rejected.length} malformed entry(ies) (${rejected.join(', ')}); using the others`);
    }
  }
  for (const [variable, attribute] of K8S_VARIABLES) {
    const value = get(variable);
    if (value !== undefined) out[attribute] = value;
  }
  return out;
}
