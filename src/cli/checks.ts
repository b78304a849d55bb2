/**
 * What the doctor finds, as the CLI prints it (report.ts) or as JSON: one
 * check per step from the DSN's syntax to the ingest's answer, and the
 * configuration as the preload would resolve it. doctor.ts runs the checks,
 * explain.ts words their reasons and fixes; both build these.
 */
import type { Config } from '../preload/config.js';

export interface Check {
  readonly name: 'settings' | 'dsn' | 'ca' | 'dns' | 'tcp' | 'tls' | 'envelope' | 'otlp' | 'collector';
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

export interface DoctorConfig {
  /** Host and project id only: the key and the full value are secrets. */
  readonly dsn: {
    readonly status: Config['dsnStatus'];
    readonly host?: string;
    readonly projectId?: string;
    readonly scheme?: string;
  };
  readonly environment: string;
  readonly serviceName: string;
  readonly release: { readonly value: string | null; readonly version: string | null; readonly source: string };
  readonly sampling: { readonly ratio: number; readonly sampler: string; readonly excludedPaths: readonly string[] };
  readonly caBundle: {
    readonly status: 'not set' | 'loaded' | 'unusable';
    readonly path?: string;
    readonly certificates?: number;
  };
  /** Where events and spans go (no key in these URLs). */
  readonly endpoints?: { readonly envelope: string; readonly otlpTraces: string };
  /** False under OTEL_SDK_DISABLED. */
  readonly tracing: boolean;
  /** The second trace backend: its URL without credentials, and header names only (values are secrets). */
  readonly collector?: {
    readonly url: string;
    readonly protocol: string;
    readonly compression: string;
    readonly timeoutMs: number | null;
    readonly headers: readonly string[];
  };
  /** Extra resource attributes on every span (OTEL_RESOURCE_ATTRIBUTES, K8S_*). */
  readonly resource: Readonly<Record<string, string>>;
  readonly debug: boolean;
  readonly required: boolean;
  readonly scrubKeys: readonly string[];
  readonly ignoreErrors: number;
  /** Every warning the preload would print at startup with this environment. */
  readonly warnings: readonly string[];
}

export interface Report {
  readonly config: DoctorConfig;
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

/** `1 certificate`, `2 certificates`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
