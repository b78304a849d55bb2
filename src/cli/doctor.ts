/**
 * `sentry-register doctor`: the configuration exactly as the preload would
 * resolve it (the same readers, not copies of them), then one line per check
 * from the DSN's syntax to the ingest's answer, each with the reason and the
 * fix. Pure at import time; the CLI (cli.ts) prints and exits.
 *
 * The DSN is a secret here too: the report holds its host and project id only,
 * and every string in it is scrubbed of the DSN and its key before it is
 * returned, so an error message that echoes them cannot leak them.
 */
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { loadCaBundle } from '../sdk/ca.js';
import type { CaBundle } from '../sdk/ca.js';
import { parseDsn, readConfig } from '../preload/config.js';
import type { Config, Dsn, Env } from '../preload/config.js';
import type { CollectorConfig } from '../preload/otel-env.js';
import { safeUrl } from '../events/privacy.js';
import { scrub } from '../preload/log.js';
import { connectTcp, handshakeTls, hostPort, post, resolveHost, targetOf } from './probe.js';
import type { Ingest } from './ingest.js';
import { plural } from './checks.js';
import type { Check, Report } from './checks.js';
import { answerCheck, collectorAnswer, COLLECTOR_VARIABLES, SENTRY_VARIABLES, tcpFailure, tlsFailure } from './explain.js';
import { NO_RELEASE_REASON, releaseWarning, resolveRelease } from '../sdk/release.js';
import { EXCLUDED_PATHS, LightspeedSampler } from '../requests/sampler.js';

export interface DoctorOptions {
  /** Also POST a test envelope and an empty OTLP export (authenticated). */
  readonly send?: boolean;
  /** The app's entry script, to derive the release as the preload would (`process.argv[1]` there). */
  readonly entry?: string;
  readonly cwd: string;
  /** Bound on each network step. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

export async function runDoctor(env: Env, options: DoctorOptions): Promise<Report> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const warnings: string[] = [];
  const config = readConfig(env, (m) => warnings.push(m));
  // The DSN warning has a check of its own; the rest are about the other settings.
  const settingWarnings = warnings.filter((w) => !w.startsWith('SENTRY_DSN '));
  const release = resolveRelease({ explicit: config.release, serviceName: config.serviceName, entry: options.entry, cwd: options.cwd });
  if (release.problem !== undefined) {
    warnings.push(releaseWarning(release.problem));
    settingWarnings.push(releaseWarning(release.problem));
  }
  const caWarnings: string[] = [];
  const bundle = loadCaBundle(config.caCertsPath, { warn: (m) => caWarnings.push(m) });
  warnings.push(...caWarnings);
  const sampler = new LightspeedSampler(config.tracesSampleRate);
  // Loaded only with a DSN, as in the preload: it imports Sentry.
  const ingest = config.dsn ? (await import('./ingest.js')).ingestFor(config.dsn) : undefined;

  const checks: Check[] = [
    ...settingsChecks(settingWarnings),
    dsnCheck(config, env['SENTRY_DSN']?.trim() ?? '', ingest),
    caCheck(config.caCertsPath, bundle, caWarnings),
  ];
  if (ingest) checks.push(...(await networkChecks(ingest, bundle, options.send === true, timeoutMs)));
  if (config.collector && config.tracing) {
    checks.push(await collectorCheck(config.collector, options.send === true, timeoutMs, (m) => warnings.push(m)));
  }

  const report: Report = {
    config: {
      dsn: config.dsn
        ? { status: ingest ? 'ok' : 'invalid', host: config.dsn.host, projectId: config.dsn.projectId, scheme: schemeOf(config.dsn) }
        : { status: config.dsnStatus },
      environment: config.environment,
      serviceName: config.serviceName,
      release: {
        value: release.release ?? null,
        version: release.version ?? null,
        source: release.release === undefined && release.problem === undefined ? `none: ${NO_RELEASE_REASON}` : release.source,
      },
      sampling: { ratio: sampler.ratio, sampler: sampler.toString(), excludedPaths: EXCLUDED_PATHS },
      caBundle:
        config.caCertsPath === undefined
          ? { status: 'not set' }
          : bundle
            ? { status: 'loaded', path: bundle.path, certificates: bundle.count }
            : { status: 'unusable', path: config.caCertsPath },
      ...(ingest ? { endpoints: { envelope: ingest.envelopeUrl, otlpTraces: ingest.otlpUrl } } : {}),
      tracing: config.tracing,
      ...(config.collector
        ? {
            collector: {
              url: safeUrl(config.collector.url),
              protocol: config.collector.protocol,
              compression: config.collector.compression,
              timeoutMs: config.collector.timeoutMs ?? null,
              headers: Object.keys(config.collector.headers),
            },
          }
        : {}),
      resource: config.resourceAttributes,
      debug: config.debug,
      required: config.required,
      scrubKeys: config.scrubKeys,
      ignoreErrors: config.ignoreErrors.length,
      warnings,
    },
    checks,
    ok: checks.every((c) => c.ok),
  };
  return scrubStrings(report, [...secretsOf(env, config.dsn), ...Object.values(config.collector?.headers ?? {})]);
}

/**
 * The second backend: a connection (and TLS with its CA), or with `send` an
 * export holding no spans, in its protocol and with its headers, as the
 * exporter sends them (exporter.ts).
 */
async function collectorCheck(collector: CollectorConfig, send: boolean, timeoutMs: number, warn: (m: string) => void): Promise<Check> {
  const url = new URL(collector.url);
  const target = targetOf(url);
  const where = hostPort(target);
  const bundle = collector.certificate ? loadCaBundle(collector.certificate.path, { warn }, collector.certificate.variable) : undefined;
  const ca = bundle?.ca;
  const tcp = await connectTcp(target, timeoutMs);
  if (!tcp.ok) return { name: 'collector', ok: false, ...tcpFailure(tcp, where, COLLECTOR_VARIABLES) };
  if (url.protocol === 'https:') {
    const tls = await handshakeTls(target, ca, timeoutMs);
    const trust = trustOf(bundle, COLLECTOR_VARIABLES.ca);
    if (!tls.ok) return { name: 'collector', ok: false, ...tlsFailure(tls, target.host, bundle, trust, COLLECTOR_VARIABLES) };
  }
  if (!send) {
    return {
      name: 'collector',
      ok: true,
      detail: `connected to ${where} in ${tcp.ms} ms (${collector.protocol}); add --send to test an export`,
    };
  }
  const json = collector.protocol === 'http/json';
  const answer = await post(
    collector.url,
    { ...collector.headers, 'Content-Type': json ? 'application/json' : 'application/x-protobuf' },
    // An ExportTraceServiceRequest with no spans: `{}` in JSON, zero bytes in protobuf.
    json ? JSON.stringify({ resourceSpans: [] }) : '',
    ca,
    timeoutMs,
  );
  return { name: 'collector', ...collectorAnswer(answer, where) };
}

/** One line per warning: each names its variable, the reason and the fallback. */
function settingsChecks(warnings: readonly string[]): Check[] {
  if (warnings.length === 0) return [{ name: 'settings', ok: true, detail: 'no warnings' }];
  return warnings.map((detail) => ({
    name: 'settings',
    ok: false,
    detail,
    fix: 'correct or unset the variable; until then the preload uses the fallback stated',
  }));
}

const DSN_FIX = 'copy the DSN from Sentry (Project Settings > Client Keys (DSN)); it looks like https://<key>@<host>/<project id>';

function dsnCheck(config: Readonly<Config>, rawDsn: string, ingest: Ingest | undefined): Check {
  const consequence = config.required ? 'SENTRY_REQUIRED is true, so the app would exit with code 1' : 'the app would run without Sentry';
  if (config.dsnStatus === 'missing') {
    return { name: 'dsn', ok: false, detail: `SENTRY_DSN not set; ${consequence}`, fix: `set SENTRY_DSN: ${DSN_FIX}` };
  }
  if (!config.dsn) {
    // parseDsn's reason never quotes the value.
    const reason = parseDsn(rawDsn);
    const why = typeof reason === 'string' ? ` (${reason})` : '';
    return { name: 'dsn', ok: false, detail: `SENTRY_DSN is not a valid Sentry DSN${why}; ${consequence}`, fix: DSN_FIX };
  }
  if (!ingest) {
    return { name: 'dsn', ok: false, detail: `the Sentry SDK rejects SENTRY_DSN; ${consequence}`, fix: DSN_FIX };
  }
  return { name: 'dsn', ok: true, detail: `project ${config.dsn.projectId} at ${config.dsn.host} over ${schemeOf(config.dsn)}` };
}

function caCheck(path: string | undefined, bundle: CaBundle | undefined, warnings: readonly string[]): Check {
  if (path === undefined) return { name: 'ca', ok: true, detail: "SENTRY_CA_CERTS not set: Node's root certificates only" };
  const fix = 'point SENTRY_CA_CERTS at a readable PEM file holding the CA certificate(s), or unset it';
  if (!bundle) return { name: 'ca', ok: false, detail: `${whyUnreadable(path) ?? warnings.join('; ')}; the preload ignores it`, fix };
  const added = bundle.ca.slice(bundle.ca.length - bundle.count);
  for (const [i, pem] of added.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      return { name: 'ca', ok: false, detail: `${path}: certificate ${i + 1} of ${bundle.count} is not a valid certificate`, fix };
    }
    if (Date.parse(cert.validTo) < Date.now()) {
      return {
        name: 'ca',
        ok: false,
        detail: `${path}: certificate ${i + 1} of ${bundle.count} (${cert.subject.replace(/\n/g, ', ')}) expired on ${cert.validTo}`,
        fix: "replace the expired certificate with the CA's current one",
      };
    }
  }
  return { name: 'ca', ok: true, detail: `${path}: ${plural(bundle.count, 'certificate')}, added to Node's root certificates` };
}

/** A more precise reason than "not found" for a CA file the preload cannot use. */
function whyUnreadable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `SENTRY_CA_CERTS ${path} is not a file`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `SENTRY_CA_CERTS ${path} does not exist`;
    if (code === 'EACCES') return `SENTRY_CA_CERTS ${path} is not readable (permission denied)`;
  }
  return undefined;
}

async function networkChecks(ingest: Ingest, bundle: CaBundle | undefined, send: boolean, timeoutMs: number): Promise<Check[]> {
  const { target } = ingest;
  const where = hostPort(target);
  const checks: Check[] = [];

  const dns = await resolveHost(target.host, timeoutMs);
  if (!dns.ok) {
    const detail =
      dns.code === 'TIMEOUT' ? `looking up ${target.host} gave ${dns.message}` : `${target.host} does not resolve (${dns.code})`;
    checks.push({ name: 'dns', ok: false, detail, fix: "check the host in SENTRY_DSN and this machine's (or container's) DNS settings" });
    return checks;
  }
  checks.push({
    name: 'dns',
    ok: true,
    detail:
      dns.value.length === 1 && dns.value[0] === target.host
        ? `${target.host} is an IP address`
        : `${target.host} is ${dns.value.join(', ')}`,
  });

  const tcp = await connectTcp(target, timeoutMs);
  if (!tcp.ok) {
    checks.push({ name: 'tcp', ok: false, ...tcpFailure(tcp, where) });
    return checks;
  }
  checks.push({ name: 'tcp', ok: true, detail: `connected to ${tcp.value} in ${tcp.ms} ms` });

  const ca = bundle?.ca;
  if (ingest.https) {
    const tls = await handshakeTls(target, ca, timeoutMs);
    const trust = trustOf(bundle, SENTRY_VARIABLES.ca);
    if (!tls.ok) {
      checks.push({ name: 'tls', ok: false, ...tlsFailure(tls, target.host, bundle, trust) });
      return checks;
    }
    const { protocol, subject, issuer, validTo } = tls.value;
    checks.push({
      name: 'tls',
      ok: true,
      detail: `${protocol}; certificate for ${subject || '(no CN)'} issued by ${issuer || '(no CN)'}, valid until ${validTo}; verified against ${trust}`,
    });
  }

  if (send) {
    const envelope = await post(
      ingest.envelopeUrl,
      { ...ingest.headers, 'Content-Type': 'application/x-sentry-envelope' },
      ingest.testEnvelope,
      ca,
      timeoutMs,
    );
    checks.push({ name: 'envelope', ...answerCheck(envelope, 'the envelope endpoint (errors)') });
    // The exporter's own headers (exporter.ts), with an export holding no spans.
    const otlp = await post(
      ingest.otlpUrl,
      { ...ingest.headers, 'Content-Type': 'application/json' },
      JSON.stringify({ resourceSpans: [] }),
      ca,
      timeoutMs,
    );
    checks.push({ name: 'otlp', ...answerCheck(otlp, 'the OTLP traces endpoint') });
  }
  return checks;
}

function schemeOf(dsn: Dsn): string {
  return new URL(dsn.value).protocol.replace(':', '');
}

/** What a TLS handshake is verified against. */
function trustOf(bundle: CaBundle | undefined, variable: string): string {
  return bundle ? `Node's root certificates and ${plural(bundle.count, 'certificate')} from ${variable}` : "Node's root certificates";
}

/** The DSN as set and its key, even from a DSN that does not parse. */
function secretsOf(env: Env, dsn: Dsn | undefined): string[] {
  const raw = env['SENTRY_DSN']?.trim() ?? '';
  const secrets = [raw];
  if (dsn) secrets.push(dsn.publicKey);
  try {
    const url = new URL(raw);
    secrets.push(url.username, decodeURIComponent(url.username), url.password);
  } catch {
    // Not a URL: the whole value is the secret.
  }
  return secrets.filter(Boolean);
}

function scrubStrings<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return scrub(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubStrings(v, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubStrings(v, secrets)])) as T;
  }
  return value;
}
