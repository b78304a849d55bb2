/**
 * Private by default: the floor of what never leaves the process.
 * Errors: Sentry's `dataCollection` turned off for everything personal.
 * Spans: attributes that identify a person or a client are removed on export.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { NodeOptions } from '@sentry/node';
import { isIP } from 'node:net';
import { isPlainObject, maskString, MAX_DEPTH } from './scrub.js';

export const DATA_COLLECTION: NonNullable<NodeOptions['dataCollection']> = Object.freeze({
  userInfo: false,
  cookies: false,
  httpHeaders: false,
  httpBodies: [],
  urlQueryParams: false,
  stackFrameVariables: false,
  graphQL: { document: false, variables: false },
  genAI: { inputs: false, outputs: false },
  mcp: { inputs: false, outputs: false },
  databaseQueryData: false,
  queues: false,
});

const DROPPED_KEYS = new Set([
  'client.address',
  'client.port',
  'network.peer.address',
  'network.peer.port',
  'user_agent.original',
  'user_agent.synthetic.type',
  'url.query',
  'enduser.id',
]);
const DROPPED_PREFIXES = ['http.request.header.', 'http.response.header.'];

export function isPrivateAttribute(key: string): boolean {
  return DROPPED_KEYS.has(key) || DROPPED_PREFIXES.some((p) => key.startsWith(p));
}

const IP = '[IP]';
// A run of the characters an IPv4 or IPv6 address is written with; `isIP` decides.
const IP_CANDIDATE_RE = /(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]{3,45}(?![0-9A-Za-z:.])/g;

/** A copy of `value` with every IPv4 or IPv6 address in its strings replaced by `[IP]`. */
export function maskIps<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return value.replace(IP_CANDIDATE_RE, (m) => (isIP(m) ? IP : m)) as T;
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => maskIps(v, depth + 1)) as T;
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskIps(v, depth + 1)])) as T;
}

/**
 * Attributes without private keys; `url.full` loses its query string and any
 * credentials; every string value is PII-masked.
 */
export function redactAttributes(attributes: Attributes): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (isPrivateAttribute(key)) continue;
    if (typeof value === 'string') out[key] = maskString(key === 'url.full' ? safeUrl(value) : value);
    else if (Array.isArray(value)) out[key] = value.map((v) => (typeof v === 'string' ? maskString(v) : v)) as typeof value;
    else out[key] = value;
  }
  return out;
}

/** The URL without query, fragment or credentials. */
export function safeUrl(url: string | URL | undefined): string {
  if (url === undefined || url === '') return '';
  try {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return String(url).split(/[?#]/)[0] ?? '';
  }
}

/**
 * A span as it may leave: its name, attributes, status message, and the
 * attributes of its events (a recorded exception's message and stack) and
 * links, masked. It inherits from the original, so methods such as
 * `spanContext()` keep working, and shadows only what it masks.
 */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const { message } = span.status;
  return Object.create(span, {
    name: { value: maskString(span.name), enumerable: true },
    attributes: { value: redactAttributes(span.attributes), enumerable: true },
    status: { value: message === undefined ? span.status : { ...span.status, message: maskString(message) }, enumerable: true },
    events: {
      value: span.events.map((e) => ({ ...e, name: maskString(e.name), attributes: e.attributes && redactAttributes(e.attributes) })),
      enumerable: true,
    },
    links: { value: span.links.map((l) => (l.attributes ? { ...l, attributes: redactAttributes(l.attributes) } : l)), enumerable: true },
  }) as ReadableSpan;
}

/** Wraps the real exporter so every span is redacted and masked on its way out. */
export class RedactingSpanExporter implements SpanExporter {
  private readonly _inner: SpanExporter;

  constructor(inner: SpanExporter) {
    this._inner = inner;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this._inner.export(spans.map(redactSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this._inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this._inner.forceFlush?.() ?? Promise.resolve();
  }
}
