/**
 * The doctor's reasons and fixes: what a failed probe or an ingest's answer
 * means for the preload, and what the operator can change. Pure functions of
 * the probe's outcome, so each explanation is tested on its own.
 */
import type { CaBundle } from '../sdk/ca.js';
import type { Check } from './checks.js';
import type { Answer, Outcome } from './probe.js';

export type Failure = { readonly code: string; readonly message: string };

/** The variables a fix names: where the endpoint and the CA bundle are set. */
export interface Variables {
  readonly endpoint: string;
  readonly ca: string;
}
export const SENTRY_VARIABLES: Variables = { endpoint: 'SENTRY_DSN', ca: 'SENTRY_CA_CERTS' };
export const COLLECTOR_VARIABLES: Variables = { endpoint: 'OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT', ca: 'OTEL_EXPORTER_OTLP_CERTIFICATE' };

/** A TCP connect that failed: refused, timed out, unreachable. */
export function tcpFailure(f: Failure, where: string, vars: Variables = SENTRY_VARIABLES): Pick<Check, 'detail' | 'fix'> {
  const network = `a firewall or egress policy may block it: allow outbound TCP to ${where}`;
  switch (f.code) {
    case 'ECONNREFUSED':
      return {
        detail: `connection to ${where} refused: nothing listens there`,
        fix: `check the host and port in ${vars.endpoint}; ${network}`,
      };
    case 'TIMEOUT':
    case 'ETIMEDOUT':
      return { detail: `no connection to ${where}: ${f.message}`, fix: network };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { detail: `${where} is unreachable from here (${f.code})`, fix: network };
    default:
      return { detail: `connecting to ${where} failed: ${f.message}`, fix: `check the host and port in ${vars.endpoint}; ${network}` };
  }
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** A handshake that failed: an untrusted or expired certificate, a wrong name, or no TLS at all. */
export function tlsFailure(
  f: Failure,
  host: string,
  bundle: CaBundle | undefined,
  trust: string,
  vars: Variables = SENTRY_VARIABLES,
): Pick<Check, 'detail' | 'fix'> {
  if (UNTRUSTED.has(f.code)) {
    return {
      detail: `the server's certificate is not trusted by ${trust}: ${f.message} (${f.code})`,
      fix: bundle
        ? `add the CA that signed the server's certificate to the PEM file in ${vars.ca} (${bundle.path})`
        : `if the ingest sits behind a private CA (self-hosted Sentry, a TLS-inspecting proxy), set ${vars.ca} to a PEM file holding that CA's certificate`,
    };
  }
  if (f.code === 'CERT_HAS_EXPIRED' || f.code === 'CERT_NOT_YET_VALID') {
    return {
      detail: `the server's certificate is outside its validity period: ${f.message} (${f.code})`,
      fix: "renew the server's certificate, or correct this machine's clock",
    };
  }
  if (f.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      detail: `the server's certificate is not valid for ${host}: ${f.message}`,
      fix: `use the host name the certificate was issued for in ${vars.endpoint}`,
    };
  }
  return {
    detail: `TLS handshake failed: ${f.message}${f.code === 'TIMEOUT' ? '' : ` (${f.code})`}`,
    fix: 'the port may not speak TLS (an https DSN pointing at a plain HTTP port?), or a proxy in between interferes',
  };
}

/** The ingest's answer to an authenticated POST (or its silence). */
export function answerCheck(outcome: Outcome<Answer>, what: string): Pick<Check, 'ok' | 'detail' | 'fix'> {
  if (!outcome.ok) {
    return {
      ok: false,
      detail: `no answer from ${what}: ${outcome.message}`,
      fix: 'retry; if it persists, a proxy or firewall may hold the request',
    };
  }
  const { status, body, retryAfter } = outcome.value;
  const said = serverDetail(body);
  const http = `HTTP ${status}${said ? ` (${said})` : ''}`;
  if (status >= 200 && status < 300) return { ok: true, detail: `${http}: accepted by ${what}` };
  if (status === 401 || status === 403) {
    return {
      ok: false,
      detail: `${http}: the DSN's key is wrong or revoked`,
      fix: `copy the DSN again from Sentry (Project Settings > Client Keys (DSN)) and check that the key is enabled`,
    };
  }
  if (status === 429) {
    return {
      ok: false,
      detail: `${http}: rate limited${retryAfter ? ` for ${retryAfter} s` : ''}; Sentry drops what is sent until then`,
      fix: "the project or organization is over its quota or rate limit: check Sentry's Stats and the key's rate limit",
    };
  }
  if (status === 404) {
    return {
      ok: false,
      detail: `${http}: ${what} does not exist on this host`,
      fix: 'check the host, path and project id in SENTRY_DSN (a self-hosted Sentry may predate OTLP ingest)',
    };
  }
  if (status >= 300 && status < 400) {
    return { ok: false, detail: `${http}: a redirect, which the SDK does not follow`, fix: 'put the final ingest host in SENTRY_DSN' };
  }
  if (status >= 500) {
    return { ok: false, detail: `${http}: the ingest (or a proxy in front of it) failed`, fix: "retry later; check Sentry's status page" };
  }
  return { ok: false, detail: `${http}: rejected by ${what}`, fix: 'check SENTRY_DSN against the one Sentry shows for the project' };
}

/** Sentry answers errors with `{"detail": "..."}`; one short line of it helps. */
function serverDetail(body: string): string | undefined {
  try {
    const detail: unknown = (JSON.parse(body) as { detail?: unknown }).detail;
    return typeof detail === 'string' && detail ? detail.replace(/\s+/g, ' ').slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** The collector's answer to an export holding no spans. */
export function collectorAnswer(outcome: Outcome<Answer>, where: string): Pick<Check, 'ok' | 'detail' | 'fix'> {
  if (!outcome.ok) {
    return {
      ok: false,
      detail: `no answer from the collector at ${where}: ${outcome.message}`,
      fix: 'check OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT (the OTLP/HTTP port, usually 4318) and that the collector runs',
    };
  }
  const { status } = outcome.value;
  const http = `HTTP ${status}`;
  if (status >= 200 && status < 300) return { ok: true, detail: `${http}: an empty export accepted by the collector at ${where}` };
  if (status === 401 || status === 403) {
    return { ok: false, detail: `${http}: the collector refused the credentials`, fix: 'check OTEL_EXPORTER_OTLP_(TRACES_)HEADERS' };
  }
  if (status === 404 || status === 405) {
    return {
      ok: false,
      detail: `${http}: no OTLP traces receiver at this URL`,
      fix: 'OTEL_EXPORTER_OTLP_ENDPOINT is the base URL (/v1/traces is appended); OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the full URL',
    };
  }
  if (status === 415 || status === 400) {
    return { ok: false, detail: `${http}: the collector does not take this encoding`, fix: 'try OTEL_EXPORTER_OTLP_PROTOCOL=http/json' };
  }
  return { ok: false, detail: `${http}: the collector rejected the export`, fix: 'check the collector logs' };
}
