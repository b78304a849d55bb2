/**
 * Noise: errors that are not bugs of the service. Client disconnects and
 * cancellations, upstream rate limits, and whatever `SENTRY_IGNORE_ERRORS`
 * names. Pure: it looks at the error (and the event, when there is no error
 * object) and says why to drop it, or nothing.
 */

export type DropReason =
  | 'client-disconnect'
  | 'rate-limit'
  | 'ignored'
  | 'health-route'
  | 'group-budget'
  | 'global-ceiling'
  | 'sentry-refusing'
  | 'queue-overflow';

export type ErrorMatcher = string | RegExp;

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

/**
 * Parses `SENTRY_IGNORE_ERRORS`: comma-separated substrings or `/regex/flags`.
 * A comma inside a regex does not split it. Returns the matchers and the
 * entries that could not be used, for one warning.
 */
export function parseMatchers(value: string | undefined): { matchers: ErrorMatcher[]; rejected: string[] } {
  const matchers: ErrorMatcher[] = [];
  const rejected: string[] = [];
  if (!value) return { matchers, rejected };
  let rest = value;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    if (!rest) break;
    const regex = /^\/((?:\\.|[^\\/])+)\/([a-z]*)\s*(?=,|$)/.exec(rest);
    if (regex) {
      try {
        matchers.push(new RegExp(regex[1] ?? '', regex[2]?.replace(/[gy]/g, '')));
      } catch {
        rejected.push(regex[0].trim());
      }
      rest = rest.slice(regex[0].length);
      continue;
    }
    const comma = rest.indexOf(',');
    const entry = (comma === -1 ? rest : rest.slice(0, comma)).trim();
    if (entry) matchers.push(entry);
    rest = comma === -1 ? '' : rest.slice(comma + 1);
  }
  return { matchers, rejected };
}
