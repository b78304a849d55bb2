/**
 * Error types that carry their own Sentry metadata (seed 002's SentryException
 * and SentryWebException). Plain classes: no Sentry import, so apps can use
 * them whether or not the preload is active. The pipeline recognises them by
 * a registry symbol, so two copies of this package still understand each other.
 */
import { safeUrl } from '../events/privacy.js';
import { maskString } from '../events/scrub.js';

const REPORTED = Symbol.for('@org/sentry-register/reported-error');

// Each ReportedError's fingerprint from its options. Kept off the instance, not
// in a `private` field: an own property would show in Object.keys, JSON and
// the event's serialised error data.
const FINGERPRINTS = new WeakMap<ReportedError, readonly string[]>();

export interface ReportedErrorOptions extends ErrorOptions {
  readonly tags?: Record<string, string>;
  readonly contexts?: Record<string, Record<string, unknown>>;
  readonly fingerprint?: readonly string[];
}

/**
 * An error that arrives in Sentry with its `tags`, `contexts` and, when set,
 * its `fingerprint` (all errors with one fingerprint are one issue), however
 * it is captured: automatically or with `captureException`.
 *
 *   class QuotaExceeded extends ReportedError {
 *     get fingerprint() { return ['quota-exceeded']; }
 *   }
 */
export class ReportedError extends Error {
  readonly tags: Record<string, string> = {};
  readonly contexts: Record<string, Record<string, unknown>> = {};

  constructor(message?: string, options: ReportedErrorOptions = {}) {
    super(message, options);
    this.name = new.target.name;
    Object.assign(this.tags, options.tags);
    Object.assign(this.contexts, options.contexts);
    if (options.fingerprint) FINGERPRINTS.set(this, [...options.fingerprint]);
  }

  /** Events with the same fingerprint are one issue. An accessor, so subclasses can override it with a getter. */
  get fingerprint(): readonly string[] | undefined {
    return FINGERPRINTS.get(this);
  }
}
Object.defineProperty(ReportedError.prototype, REPORTED, { value: true });

export interface ReportedDetails {
  readonly tags: Record<string, string>;
  readonly contexts: Record<string, Record<string, unknown>>;
  readonly fingerprint: string[] | undefined;
}

/** The metadata of a ReportedError (from any copy of this package), or undefined. */
export function reportedDetails(error: unknown): ReportedDetails | undefined {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[REPORTED] !== true) return undefined;
  const e = error as Partial<ReportedError>;
  let fingerprint: string[] | undefined;
  try {
    const fp: unknown = e.fingerprint;
    if (Array.isArray(fp) && fp.length > 0) fingerprint = fp.map(String);
  } catch {
    // A throwing getter must not lose the event.
  }
  return { tags: { ...e.tags }, contexts: { ...e.contexts }, fingerprint };
}

export interface HttpRequestInfo {
  readonly method?: string;
  readonly url?: string | URL;
}

const BODY_EXCERPT_BYTES = 1024;
const BODY_READ_TIMEOUT_MS = 1000;

/**
 * An HTTP call to another service failed (seed 002's SentryWebException, for
 * fetch/undici). Tags: `http.request.method`, `http.request.url` (no query),
 * `http.response.status_code`; context `http_response` with a masked excerpt
 * of the body. Subclass it per upstream service:
 *
 *   class BillingError extends HttpClientError {}
 *   if (!res.ok) throw await BillingError.fromResponse(res, { method: 'POST' });
 */
export class HttpClientError extends ReportedError {
  /**
   * The upstream's answer, when there was one. Deliberately not `status`:
   * Express and others answer the client with `err.status`, and an upstream's
   * 502 or 429 is not this service's answer.
   */
  readonly response: { readonly status: number; readonly url: string } | undefined;

  constructor(message: string, options: ReportedErrorOptions & { response?: { status: number; url: string } } = {}) {
    super(message, options);
    this.response = options.response;
  }

  /** From a non-OK `Response`. Reads at most 1 KB of the body, from a clone, within 1 s; never throws. */
  static async fromResponse<T extends typeof HttpClientError>(
    this: T,
    response: Response,
    init: { method?: string; message?: string } = {},
  ): Promise<InstanceType<T>> {
    const method = (init.method ?? 'GET').toUpperCase();
    const url = safeUrl(response.url);
    const body = await bodyExcerpt(response);
    return new this(init.message ?? `${method} ${url || 'request'} failed with ${response.status}`, {
      response: { status: response.status, url },
      tags: { 'http.request.method': method, 'http.request.url': url, 'http.response.status_code': String(response.status) },
      contexts: { http_response: { method, url, status_code: response.status, ...(body === undefined ? {} : { body }) } },
    }) as InstanceType<T>;
  }

  /** From a request that failed without a response (DNS, refused, timeout, abort). */
  static fromError<T extends typeof HttpClientError>(
    this: T,
    error: unknown,
    request: Request | HttpRequestInfo | string | URL,
  ): InstanceType<T> {
    const info = typeof request === 'string' || request instanceof URL ? { url: request } : request;
    const method = (info.method ?? 'GET').toUpperCase();
    const url = safeUrl(info.url);
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new this(`${method} ${url || 'request'} failed: ${maskString(reason)}`, {
      cause: error,
      tags: { 'http.request.method': method, 'http.request.url': url },
      contexts: { http_response: { method, url, error: maskString(reason) } },
    }) as InstanceType<T>;
  }
}

async function bodyExcerpt(response: Response): Promise<string | undefined> {
  if (response.bodyUsed || !response.body) return undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    reader = response.clone().body?.getReader();
    if (!reader) return undefined;
    const chunks: Uint8Array[] = [];
    let size = 0;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), BODY_READ_TIMEOUT_MS);
      timer.unref();
    });
    while (size < BODY_EXCERPT_BYTES) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === 'timeout' || next.done) break;
      chunks.push(next.value);
      size += next.value.byteLength;
    }
    const text = Buffer.concat(chunks).subarray(0, BODY_EXCERPT_BYTES).toString('utf8');
    return maskString(text);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    reader?.cancel().catch(() => undefined);
  }
}
