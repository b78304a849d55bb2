/**
 * `SENTRY_CA_CERTS`: a PEM bundle *added to* Node's root certificates, so a
 * private CA works without breaking public ones.
 */
import { readFileSync, statSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Logger } from '../preload/log.js';

export interface CaBundle {
  /** Node's roots plus the bundle's certificates: pass as `ca`. */
  readonly ca: readonly string[];
  readonly count: number;
  readonly path: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function loadCaBundle(path: string | undefined, log: Pick<Logger, 'warn'>, variable = 'SENTRY_CA_CERTS'): CaBundle | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    text = readFileSync(path, 'utf8');
  } catch {
    log.warn(`CA cert file specified by ${variable} not found at ${path}; proceeding without custom CA certs`);
    return undefined;
  }
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0) {
    log.warn(`${variable} file at ${path} holds no PEM certificate; proceeding without custom CA certs`);
    return undefined;
  }
  return { ca: [...rootCertificates, ...certs], count: certs.length, path };
}
