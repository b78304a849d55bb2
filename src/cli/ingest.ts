/**
 * Where the SDK sends to, built from the DSN by the SDK's own helpers (the
 * same calls the preload makes in sdk/client.ts). doctor.ts imports this module only
 * with a DSN, as start.ts imports sdk.ts: it loads Sentry. Named imports, so
 * that the bundle keeps only these functions: esbuild keeps every export of a
 * module reached through `import()` (evanw/esbuild#3987).
 */
import { createClientReportEnvelope, getEnvelopeEndpointWithUrlEncodedAuth, makeDsn, serializeEnvelope } from '@sentry/core';
import { getOtlpTracesEndpoint } from '@sentry/node';
import type { Dsn } from '../preload/config.js';
import { targetOf } from './probe.js';
import type { Target } from './probe.js';

export interface Ingest {
  readonly target: Target;
  readonly https: boolean;
  readonly envelopeUrl: string;
  readonly otlpUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A client report that discards nothing: authenticated, accepted, and invisible in Sentry's UI. */
  readonly testEnvelope: string;
}

/** The envelope and OTLP endpoints and the auth header; undefined when Sentry rejects the DSN. */
export function ingestFor(dsn: Dsn): Ingest | undefined {
  const otlp = getOtlpTracesEndpoint(dsn.value);
  const components = makeDsn(dsn.value);
  const auth = otlp?.headers['X-Sentry-Auth'];
  if (!otlp || !components || auth === undefined) return undefined;
  // Sentry's transport puts the key in the query string; the header carries it instead.
  const envelope = new URL(getEnvelopeEndpointWithUrlEncodedAuth(components));
  envelope.search = '';
  const url = new URL(otlp.url);
  return {
    target: targetOf(url),
    https: url.protocol === 'https:',
    envelopeUrl: envelope.href,
    otlpUrl: otlp.url,
    headers: { 'X-Sentry-Auth': auth },
    testEnvelope: String(serializeEnvelope(createClientReportEnvelope([]))),
  };
}
