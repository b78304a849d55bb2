/**
 * `SENTRY_IGNORE_ERRORS` as the config reader parses it: substrings or
 * regexes of `Name: message`. A parser of one env value, like otel-env.ts, so
 * that the no-DSN path loads no event code; events/noise.ts applies them.
 */

/** A substring (matched case-insensitively) or a regex of `Name: message`. */
export type ErrorMatcher = string | RegExp;

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
