/**
 * PII masking for anything that leaves the process: strings are masked by
 * pattern, values under sensitive keys are replaced whole. Pure functions.
 */

export const EMAIL = '[EMAIL]';
export const CARD = '[CARD]';
export const JWT = '[JWT]';
export const FILTERED = '[FILTERED]';

// Three base64url segments, the first an encoded JSON header (`eyJ` = `{"`).
const JWT_RE = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g;
const BEARER_RE = /\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
// Basic credentials are base64: a digit, +, /, = or a lower-to-upper case change inside
// tells them from words, so "Basic authentication" stays as it is.
const BASIC_RE = /\b(Basic)(\s+)(?=[A-Za-z0-9+/]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9+/]{8,}={0,2}/g;
// `password=…`, `token: …`, `"api_key":"…"`: keeps the key and the separator, hides the value.
const PAIR_RE =
  /(?<![A-Za-z0-9_-])((?:[A-Za-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;"'}]+)/gi;
// RFC 5322 atext in the local part, dotted labels and a letter-first TLD.
// The lookbehinds make every match start at the beginning of a run, which keeps
// the scan linear on long inputs without an '@' or a separator.
const EMAIL_RE =
  /(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]/g;
// Runs of digit groups (single spaces or dashes between digits), not part of a
// decimal number; each run is searched for a 13–19 digit, Luhn-valid window of
// whole groups, so `qty 2 4111 1111 1111 1111` still hides the card.
const DIGIT_RUN_RE = /(?<!\d|\d\.)\d(?:[ -]?\d){12,}(?!\d|\.\d)/g;

/** Masks e-mails, Luhn-valid card numbers, JWTs, bearer tokens and secret-looking pairs. */
export function maskString(text: string): string {
  if (text.length < 6) return text;
  return text
    .replace(JWT_RE, JWT)
    .replace(BEARER_RE, (_m, scheme: string, space: string) => `${scheme}${space}${FILTERED}`)
    .replace(BASIC_RE, (_m, scheme: string, space: string) => `${scheme}${space}${FILTERED}`)
    .replace(PAIR_RE, (_m, key: string, value: string) => {
      const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
      return `${key}${quote}${FILTERED}${quote}`;
    })
    .replace(EMAIL_RE, maskEmail)
    .replace(DIGIT_RUN_RE, maskCardsInRun);
}

/**
 * `= / ' \`` are legal in a local part but in practice belong to the text
 * around it (`email=jane@…`, `https://jane@…`): keep what precedes the last of
 * them, unless nothing would be left of the address.
 */
function maskEmail(match: string): string {
  const local = match.slice(0, match.indexOf('@'));
  const cut = Math.max(local.lastIndexOf('='), local.lastIndexOf('/'), local.lastIndexOf("'"), local.lastIndexOf('`'));
  return cut >= 0 && cut < local.length - 1 ? `${match.slice(0, cut + 1)}${EMAIL}` : EMAIL;
}

/**
 * Masks every Luhn-valid 13–19 digit window of whole groups in a run of digit
 * groups, longest first, then looks again on both sides of what it masked.
 */
function maskCardsInRun(run: string): string {
  const parts = run.split(/([ -])/); // groups at even indexes, separators at odd ones
  const groups = (parts.length + 1) / 2;
  for (let length = Math.min(groups, 19); length >= 1; length--) {
    for (let start = 0; start + length <= groups; start++) {
      let digits = '';
      for (let g = start; g < start + length; g++) digits += parts[g * 2];
      if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) continue;
      const head = parts.slice(0, Math.max(0, start * 2 - 1)).join('');
      const before = start > 0 ? parts[start * 2 - 1] : '';
      const after = parts[(start + length) * 2 - 1] ?? '';
      const tail = parts.slice((start + length) * 2).join('');
      return `${head && maskCardsInRun(head)}${before}${CARD}${after}${tail && maskCardsInRun(tail)}`;
    }
  }
  return run;
}

export function luhnValid(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'cookies',
  'set-cookie',
  'x-api-key',
  'api_key',
  'apikey',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'session',
  'sessionid',
  'private_key',
  'credentials',
  'x-auth-token',
  'x-csrf-token',
];

/** `X-Api-Key`, `x_api_key` and `xApiKey` are one key. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

// Keys that end in these are secret whatever their prefix (`db_password`, `github_token`).
// `total_tokens` (a count) ends in "tokens" and is kept.
const SENSITIVE_SUFFIXES = ['password', 'passwd', 'secret', 'apikey', 'token', 'privatekey'];

export type KeyTest = (key: string) => boolean;

export function sensitiveKeys(extra: readonly string[] = []): KeyTest {
  const exact = new Set([...DEFAULT_SENSITIVE_KEYS, ...extra].map(normalizeKey));
  return (key) => {
    const k = normalizeKey(key);
    return exact.has(k) || SENSITIVE_SUFFIXES.some((s) => k.endsWith(s));
  };
}

const MAX_DEPTH = 20;

/**
 * A deep copy of `value` with strings masked and sensitive keys filtered.
 * Cycles and very deep structures end in `[FILTERED]` rather than a crash.
 */
export function scrub<T>(value: T, isSensitive: KeyTest, depth = 0, ancestors: Set<object> = new Set()): T {
  if (typeof value === 'string') return maskString(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  // Only an ancestor makes a cycle; the same object twice side by side is scrubbed twice.
  if (depth >= MAX_DEPTH || ancestors.has(value)) return FILTERED as T;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => scrub(v, isSensitive, depth + 1, ancestors)) as T;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = isSensitive(key) && v !== undefined && v !== null ? FILTERED : scrub(v, isSensitive, depth + 1, ancestors);
    }
    return out as T;
  } finally {
    ancestors.delete(value);
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
