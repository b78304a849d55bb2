/**
 * Bounded network probes for the doctor: DNS, TCP, TLS and one POST. Each
 * settles within `timeoutMs` whatever the network does, and reports what went
 * wrong as data (an error code and message), never by throwing.
 */
import { lookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** What a probe found: a value, or an error code (`TIMEOUT` for ours) and message. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly message: string };
export type Outcome<T> = Settled<T> & { readonly ms: number };

export interface Target {
  /** Host name or IP address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
}

/** Where a URL connects to: its host without IPv6 brackets, and its port or the scheme's default. */
export function targetOf(url: URL): Target {
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
}

/**
 * Runs `start` and settles with what it reports or a timeout, whichever comes
 * first. `start` returns a cleanup, called once either way (it closes sockets).
 */
function bounded<T>(timeoutMs: number, start: (settle: (outcome: Settled<T>) => void) => () => void): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const began = performance.now();
    let done = false;
    let cleanup = (): void => undefined;
    const settle = (outcome: Settled<T>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      resolve({ ...outcome, ms: Math.round(performance.now() - began) });
    };
    const timer = setTimeout(
      () => settle({ ok: false, code: 'TIMEOUT', message: `no answer within ${formatSeconds(timeoutMs)}` }),
      timeoutMs,
    );
    try {
      cleanup = start(settle);
    } catch (err) {
      settle(failure(err));
    }
    if (done) cleanup();
  });
}

function failure(err: unknown): { ok: false; code: string; message: string } {
  const e = err as NodeJS.ErrnoException;
  return { ok: false, code: typeof e?.code === 'string' ? e.code : 'ERROR', message: e instanceof Error ? e.message : String(err) };
}

/** The addresses `host` resolves to, as node:http would resolve it (getaddrinfo, so /etc/hosts counts). */
export function resolveHost(host: string, timeoutMs: number): Promise<Outcome<string[]>> {
  if (isIP(host)) return Promise.resolve({ ok: true, value: [host], ms: 0 });
  // A lookup cannot be cancelled; past the timeout its answer is ignored.
  return bounded(timeoutMs, (settle) => {
    lookup(host, { all: true }, (err, addresses) => {
      if (err) settle(failure(err));
      else settle({ ok: true, value: addresses.map((a) => a.address) });
    });
    return () => undefined;
  });
}

/** Opens and closes a TCP connection; the value is the peer's address. */
export function connectTcp(target: Target, timeoutMs: number): Promise<Outcome<string>> {
  return bounded(timeoutMs, (settle) => {
    const socket = netConnect({ host: target.host, port: target.port });
    socket.once('connect', () => settle({ ok: true, value: peer(socket, target) }));
    // `on`, not `once`: a second error after the first must not go unhandled.
    socket.on('error', (err) => settle(failure(err)));
    return () => socket.destroy();
  });
}

export interface Handshake {
  readonly protocol: string;
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
}

/**
 * A TLS handshake that verifies the server as node:https would: `ca` when
 * given (the preload's bundle), else Node's default roots; the host name (or
 * IP) checked against the certificate.
 */
export function handshakeTls(target: Target, ca: readonly string[] | undefined, timeoutMs: number): Promise<Outcome<Handshake>> {
  return bounded(timeoutMs, (settle) => {
    const socket = tlsConnect({
      host: target.host,
      port: target.port,
      ...(isIP(target.host) ? {} : { servername: target.host }),
      ...(ca ? { ca: [...ca] } : {}),
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      settle({
        ok: true,
        value: {
          protocol: socket.getProtocol() ?? 'TLS',
          subject: first(cert.subject?.CN) ?? '',
          issuer: first(cert.issuer?.CN) ?? '',
          validTo: cert.valid_to ?? '',
        },
      });
    });
    socket.on('error', (err) => settle(failure(err)));
    return () => socket.destroy();
  });
}

export interface Answer {
  readonly status: number;
  /** At most the first 2 KB of the body. */
  readonly body: string;
  readonly retryAfter: string | undefined;
}

/** One POST, no redirects followed, no keep-alive. */
export function post(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  ca: readonly string[] | undefined,
  timeoutMs: number,
): Promise<Outcome<Answer>> {
  return bounded(timeoutMs, (settle) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: false,
        ...(ca ? { ca: [...ca] } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 2048) text += chunk;
        });
        res.on('end', () =>
          settle({
            ok: true,
            value: { status: res.statusCode ?? 0, body: text.slice(0, 2048), retryAfter: first(res.headers['retry-after']) },
          }),
        );
        res.on('error', (err) => settle(failure(err)));
      },
    );
    req.on('error', (err) => settle(failure(err)));
    req.end(body);
    return () => req.destroy();
  });
}

/** `host:port`, with brackets for IPv6, as in a URL. */
export function hostPort(target: Target): string {
  return `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function peer(socket: Socket, target: Target): string {
  return socket.remoteAddress ? hostPort({ host: socket.remoteAddress, port: socket.remotePort ?? target.port }) : hostPort(target);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
