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
// `password=…`, `token: …`, `"api_key":"…"`: keeps the key and the separator, hides the value.
const PAIR_RE =
  /(?<![A-Za-z0-9_-])((?:[A-Za-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;"'}]+)/gi;
// RFC 5322 atext in the local part, dotted labels and a letter-first TLD in the domain.
// The lookbehinds make every match start at the beginning of a run, which keeps
// the scan linear on long inputs without an '@' or a separator.
const EMAIL_RE =
  /(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]/g;
// 13–19 digits, single spaces or dashes allowed between them; Luhn decides.
const CARD_RE = /(?<![\d.])\d(?:[ -]?\d){12,18}(?![\d.])/g;

/** Masks e-mails, Luhn-valid card numbers, JWTs, bearer tokens and secret-looking pairs. */
export function maskString(text: string): string {
  if (text.length < 6) return text;
  return text
    .replace(JWT_RE, JWT)
    .replace(BEARER_RE, (_m, scheme: string, space: string) => `${scheme}${space}${FILTERED}`)
    .replace(PAIR_RE, (_m, key: string) => `${key}${FILTERED}`)
    .replace(EMAIL_RE, EMAIL)
    .replace(CARD_RE, (m) => (luhnValid(m.replace(/[ -]/g, '')) ? CARD : m));
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
const SENSITIVE_SUFFIXES = ['password', 'passwd', 'secret', 'apikey', 'accesstoken', 'refreshtoken', 'authtoken', 'privatekey'];

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
export function scrub<T>(value: T, isSensitive: KeyTest, depth = 0, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value === 'string') return maskString(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH || seen.has(value)) return FILTERED as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, isSensitive, depth + 1, seen)) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSensitive(key) && v !== undefined && v !== null ? FILTERED : scrub(v, isSensitive, depth + 1, seen);
  }
  return out as T;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
