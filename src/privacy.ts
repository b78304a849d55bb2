/**
 * Private by default: the floor of what never leaves the process.
 * Errors: Sentry's `dataCollection` turned off for everything personal.
 * Spans: attributes that identify a person or a client are removed on export.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { NodeOptions } from '@sentry/node';
import { maskString } from './scrub.js';

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
 * Wraps the real exporter so every span is redacted and masked on its way out. The
 * redacted span inherits from the original (methods such as `spanContext()`
 * keep working) and shadows only `attributes`.
 */
export class RedactingSpanExporter implements SpanExporter {
  private readonly _inner: SpanExporter;

  constructor(inner: SpanExporter) {
    this._inner = inner;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const redacted = spans.map(
      (span) =>
        Object.create(span, {
          name: { value: maskString(span.name), enumerable: true },
          attributes: { value: redactAttributes(span.attributes), enumerable: true },
        }) as ReadableSpan,
    );
    this._inner.export(redacted, resultCallback);
  }

  shutdown(): Promise<void> {
    return this._inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this._inner.forceFlush?.() ?? Promise.resolve();
  }
}
