/**
 * Noise: errors that are not bugs of the service. Client disconnects and
 * cancellations, upstream rate limits, and whatever `SENTRY_IGNORE_ERRORS`
 * names. Pure: it looks at the error (and the event, when there is no error
 * object) and says why to drop it, or nothing.
 */
import type { ErrorMatcher } from '../preload/matchers.js';

export type DropReason =
  | 'client-disconnect'
  | 'rate-limit'
  | 'ignored'
  | 'health-route'
  | 'group-budget'
  | 'global-ceiling'
  | 'sentry-refusing'
  | 'queue-overflow';

const DISCONNECT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR']);
const DISCONNECT_NAMES = new Set(['AbortError']);
const RATE_LIMIT_TEXT = /\brate[ -_]?limit|\btoo many requests\b/i;

const MAX_MESSAGE = 8_192;

export interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly status: number | undefined;
}

/** What we can learn about an error without running its code (no getters beyond plain reads). */
export function factsOf(error: unknown, fallback?: { type?: string; value?: string }): ErrorFacts {
  const e = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const response = typeof e['response'] === 'object' && e['response'] !== null ? (e['response'] as Record<string, unknown>) : {};
  const status = [e['status'], e['statusCode'], response['status'], response['statusCode']].find((s) => typeof s === 'number') as
    number | undefined;
  return {
    name: typeof e['name'] === 'string' ? e['name'] : (fallback?.type ?? ''),
    // Bounded like the event's own value (maxValueLength): a 5 MB message is matched on its first 8 KB.
    message: (typeof e['message'] === 'string' ? e['message'] : typeof error === 'string' ? error : (fallback?.value ?? '')).slice(
      0,
      MAX_MESSAGE,
    ),
    code: typeof e['code'] === 'string' ? e['code'] : undefined,
    status,
  };
}

/** Why this error is noise, or undefined when it may be a real bug. */
export function noiseReason(facts: ErrorFacts, ignore: readonly ErrorMatcher[] = []): DropReason | undefined {
  if ((facts.code && DISCONNECT_CODES.has(facts.code)) || DISCONNECT_NAMES.has(facts.name)) return 'client-disconnect';
  // A bare code in the text covers events without an error object ("read ECONNRESET").
  if (/\b(ECONNRESET|EPIPE|ECONNABORTED|ERR_STREAM_PREMATURE_CLOSE)\b/.test(facts.message)) return 'client-disconnect';
  if (facts.status === 429 || RATE_LIMIT_TEXT.test(facts.message)) return 'rate-limit';
  const text = `${facts.name}: ${facts.message}`;
  if (ignore.some((m) => (typeof m === 'string' ? text.toLowerCase().includes(m.toLowerCase()) : m.test(text)))) return 'ignored';
  return undefined;
}
