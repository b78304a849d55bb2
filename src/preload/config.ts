/**
 * The one typed config reader. Env is the whole interface of the preload.
 *
 * Rules: a blank value means unset, values are trimmed, and a bad value gives
 * exactly one warning naming the variable, the reason and the fallback. The
 * DSN's value never appears in a warning.
 */
import { log } from './log.js';
import { parseMatchers } from './matchers.js';
import type { ErrorMatcher } from './matchers.js';
import { readCollector, readResourceAttributes } from './otel-env.js';
import type { CollectorConfig } from './otel-env.js';

export const DEFAULT_ENVIRONMENT = 'development';
export const DEFAULT_SERVICE_NAME = 'lightspeed-stack';
export const DEFAULT_TRACES_SAMPLE_RATE = 0.25;

/** The parts of a DSN we may use. `value` is a secret: never log it. */
export interface Dsn {
  readonly value: string;
  readonly publicKey: string;
  /** Host (and port), safe to show. */
  readonly host: string;
  readonly projectId: string;
}

export interface Config {
  readonly dsn: Dsn | undefined;
  /** Why `dsn` is undefined. */
  readonly dsnStatus: 'ok' | 'missing' | 'invalid';
  readonly environment: string;
  /** `SENTRY_RELEASE` when set; otherwise the release is derived at start. */
  readonly release: string | undefined;
  readonly serviceName: string;
  readonly caCertsPath: string | undefined;
  readonly tracesSampleRate: number;
  readonly debug: boolean;
  readonly required: boolean;
  /** Extra sensitive keys (`SENTRY_SCRUB_KEYS`), added to the built-in list. */
  readonly scrubKeys: readonly string[];
  /** Extra noise (`SENTRY_IGNORE_ERRORS`): substrings or regexes of `Name: message`. */
  readonly ignoreErrors: readonly ErrorMatcher[];
  /** False when `OTEL_SDK_DISABLED` is true: no OTel at all, errors still captured. */
  readonly tracing: boolean;
  /** Request sessions and the process session (`SENTRY_RELEASE_HEALTH`). */
  readonly releaseHealth: boolean;
  /** The error-storm budget (budget.ts): a group's burst, then one event per interval; all groups' ceiling. */
  readonly storm: { readonly burst: number; readonly intervalMs: number; readonly perSecond: number };
  /** A second trace backend (`OTEL_EXPORTER_OTLP_*`), in addition to Sentry. */
  readonly collector: CollectorConfig | undefined;
  /** Extra resource attributes (`OTEL_RESOURCE_ATTRIBUTES`, `K8S_*`). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

export type Env = Readonly<Record<string, string | undefined>>;
export type Warn = (message: string) => void;

export function readConfig(env: Env, warn: Warn = log.warn): Readonly<Config> {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const rawDsn = get('SENTRY_DSN');
  let dsn: Dsn | undefined;
  let dsnStatus: Config['dsnStatus'] = 'missing';
  if (rawDsn !== undefined) {
    const parsed = parseDsn(rawDsn);
    if (typeof parsed === 'string') {
      dsnStatus = 'invalid';
      warn(`SENTRY_DSN is not a valid Sentry DSN (${parsed}); Sentry stays off and the app runs uninstrumented`);
    } else {
      dsn = parsed;
      dsnStatus = 'ok';
    }
  }

  warnUnknown(env, warn);

  return Object.freeze({
    dsn,
    dsnStatus,
    environment: checked(warn, 'SENTRY_ENVIRONMENT', get('SENTRY_ENVIRONMENT'), environmentProblem, DEFAULT_ENVIRONMENT),
    release: checked(warn, 'SENTRY_RELEASE', get('SENTRY_RELEASE'), releaseProblem, undefined, 'deriving the release'),
    serviceName: get('OTEL_SERVICE_NAME') ?? DEFAULT_SERVICE_NAME,
    caCertsPath: get('SENTRY_CA_CERTS'),
    tracesSampleRate: readRate(warn, 'SENTRY_TRACES_SAMPLE_RATE', get('SENTRY_TRACES_SAMPLE_RATE')),
    debug: readBoolean(warn, 'SENTRY_DEBUG', get('SENTRY_DEBUG'), false),
    required: readBoolean(warn, 'SENTRY_REQUIRED', get('SENTRY_REQUIRED'), false),
    scrubKeys: Object.freeze(readList(get('SENTRY_SCRUB_KEYS'))),
    ignoreErrors: Object.freeze(readMatchers(warn, get('SENTRY_IGNORE_ERRORS'))),
    tracing: !readBoolean(warn, 'OTEL_SDK_DISABLED', get('OTEL_SDK_DISABLED'), false),
    releaseHealth: readBoolean(warn, 'SENTRY_RELEASE_HEALTH', get('SENTRY_RELEASE_HEALTH'), true),
    storm: Object.freeze({
      burst: readCount(warn, 'SENTRY_STORM_BURST', get('SENTRY_STORM_BURST'), 5, 1),
      intervalMs: readCount(warn, 'SENTRY_STORM_INTERVAL', get('SENTRY_STORM_INTERVAL'), 10, 1) * 1000,
      perSecond: readCount(warn, 'SENTRY_STORM_MAX_PER_SECOND', get('SENTRY_STORM_MAX_PER_SECOND'), 20, 1),
    }),
    collector: readCollector(get, warn),
    resourceAttributes: Object.freeze(readResourceAttributes(get, warn)),
  });
}

/** Parses a DSN, or returns why it is not one. The reason never quotes the value. */
export function parseDsn(value: string): Dsn | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'scheme must be http or https';
  if (!url.username) return 'no public key before the host';
  if (!url.hostname) return 'no host';
  const projectId = url.pathname.split('/').pop() ?? '';
  if (!/^\d+$/.test(projectId)) return 'no numeric project id at the end of the path';
  if (url.search || url.hash) return 'unexpected query or fragment';
  let publicKey: string;
  try {
    publicKey = decodeURIComponent(url.username);
  } catch {
    return 'the public key is not valid percent-encoding';
  }
  return { value, publicKey, host: url.host, projectId };
}

function checked<T>(
  warn: Warn,
  name: string,
  value: string | undefined,
  problem: (v: string) => string | undefined,
  fallback: T,
  fallbackText = `using ${JSON.stringify(fallback)}`,
): string | T {
  if (value === undefined) return fallback;
  const reason = problem(value);
  if (reason === undefined) return value;
  warn(`${name} ${reason}; ${fallbackText}`);
  return fallback;
}

// Sentry's own limits for environment names (ClientOptions.environment docs).
function environmentProblem(v: string): string | undefined {
  if (v.length > 64) return 'is longer than 64 characters';
  if (/[\s/]/.test(v)) return 'contains white space or "/"';
  if (v === 'None') return 'may not be "None"';
  return undefined;
}

// Sentry rejects releases with newlines, tabs or "/", ".", "..", and over 200 characters.
export function releaseProblem(v: string): string | undefined {
  if (v.length > 200) return 'is longer than 200 characters';
  if (/[\n\r\t/\\]/.test(v)) return 'contains a line break, tab, "/" or "\\"';
  if (v === '.' || v === '..') return 'may not be "." or ".."';
  return undefined;
}

function readRate(warn: Warn, name: string, value: string | undefined): number {
  if (value === undefined) return DEFAULT_TRACES_SAMPLE_RATE;
  const n = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value) ? Number(value) : NaN;
  if (Number.isFinite(n) && n >= 0 && n <= 1) return n;
  warn(`${name} must be a number from 0 to 1 (got ${JSON.stringify(value.slice(0, 40))}); using ${DEFAULT_TRACES_SAMPLE_RATE}`);
  return DEFAULT_TRACES_SAMPLE_RATE;
}

/** A whole number, at least `min`; a bad value warns and falls back. */
function readCount(warn: Warn, name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (n >= min) return n;
  warn(`${name} must be a whole number from ${min} (got ${JSON.stringify(value.slice(0, 40))}); using ${fallback}`);
  return fallback;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function readBoolean(warn: Warn, name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const v = value.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  warn(`${name} must be true or false (got ${JSON.stringify(value.slice(0, 40))}); using ${fallback}`);
  return fallback;
}

function readList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function readMatchers(warn: Warn, value: string | undefined): ErrorMatcher[] {
  const { matchers, rejected } = parseMatchers(value);
  if (rejected.length > 0) {
    warn(
      `SENTRY_IGNORE_ERRORS has ${rejected.length} invalid regular expression(s) (${rejected.map((r) => JSON.stringify(r.slice(0, 40))).join(', ')}); ignoring them`,
    );
  }
  return matchers;
}

/**
 * The variables this reader understands, in the README table's order. What
 * each means is documented in scripts/config-docs.ts (the README's table is
 * generated from it); test/readme.test.ts checks that the two lists match.
 */
export const VARIABLES: readonly string[] = [
  'SENTRY_DSN',
  'SENTRY_ENVIRONMENT',
  'SENTRY_RELEASE',
  'OTEL_SERVICE_NAME',
  'SENTRY_TRACES_SAMPLE_RATE',
  'SENTRY_CA_CERTS',
  'SENTRY_DEBUG',
  'SENTRY_REQUIRED',
  'SENTRY_SCRUB_KEYS',
  'SENTRY_IGNORE_ERRORS',
  'SENTRY_RELEASE_HEALTH',
  'SENTRY_STORM_BURST',
  'SENTRY_STORM_INTERVAL',
  'SENTRY_STORM_MAX_PER_SECOND',
  'OTEL_SDK_DISABLED',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_CERTIFICATE',
  'OTEL_RESOURCE_ATTRIBUTES',
  'K8S_POD_NAME',
];

// Read by Sentry's SDK or its CLI, not by us: set for a reason, so no warning.
const OTHER_SENTRY_VARIABLES = new Set([
  'SENTRY_TRACE',
  'SENTRY_BAGGAGE',
  'SENTRY_USE_ENVIRONMENT',
  'SENTRY_TRACE_LIFECYCLE',
  'SENTRY_SPOTLIGHT',
  'SENTRY_AUTH_TOKEN',
  'SENTRY_ORG',
  'SENTRY_PROJECT',
  'SENTRY_URL',
  'SENTRY_LOG_LEVEL',
  'SENTRY_PROPERTIES',
  'SENTRY_DIST',
  'SENTRY_NO_PROGRESS_BAR',
  'SENTRY_DISABLE_UPDATE_CHECK',
  'SENTRY_LOAD_DOTENV',
]);

/** One warning per `SENTRY_*` variable nobody reads (a typo, usually), never with its value. */
function warnUnknown(env: Env, warn: Warn): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith('SENTRY_') || VARIABLES.includes(name) || OTHER_SENTRY_VARIABLES.has(name)) continue;
    const near = VARIABLES.filter((known) => known.startsWith('SENTRY_') && distance(name, known) <= 2);
    warn(`${name.slice(0, 64)} is not a setting of @org/sentry-register${near[0] ? ` (did you mean ${near[0]}?)` : ''}; ignoring it`);
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}
