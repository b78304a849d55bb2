/**
 * PII masking for anything that leaves the process: strings are masked by
 * pattern, values under sensitive keys are replaced whole. Pure functions.
 */
import { cardNetwork, ibanValid, MAX_CARD_DIGITS, MIN_CARD_DIGITS } from './numbers.js';

export const EMAIL = '[EMAIL]';
export const CARD = '[CARD]';
export const JWT = '[JWT]';
export const IBAN = '[IBAN]';
export const SSN = '[SSN]';
export const PRIVATE_KEY = '[PRIVATE KEY]';
export const FILTERED = '[FILTERED]';
export const TRUNCATED = '…[truncated]';

/**
 * Longer strings are cut to this many characters before any rule runs, so
 * the cost of masking one string has a ceiling whatever an app puts in it.
 */
export const MAX_MASKED_LENGTH = 16 * 1024;
/**
 * After the cut, this much more is dropped from the end of the masked text: a
 * secret shorter than this that the cut split in two (half a card number,
 * a URL without its '@') goes with it rather than leave in part.
 */
export const CUT_MARGIN = 1024;

// Every pattern below runs in time linear in its input: each match can start
// only at the beginning of a run (lookbehinds), and no two quantifiers compete
// for the same characters. The scrubber micro-benchmark (bench/scrub.ts) holds
// each of them to a time per KB on adversarial input.

// A PEM header whose label names a private key (`RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`, …).
const PEM_BEGIN_RE = /-----BEGIN ([A-Z0-9 ]{0,40})-----/g;
// Userinfo ends at the last '@' before the first '/', '?', '#' or space, as the WHATWG URL parser reads it.
const URL_AUTH_RE = /(?<![A-Za-z0-9+.-])((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)[^\s/?#]*@/g;
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
const EMAIL_RE =
  /(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]/g;
// The same in a URL, percent-encoded (`/customers/jane.doe%40example.com`, `?email=jane%40example.com`);
// the local part without the characters that delimit a path or query.
const ENCODED_EMAIL_RE =
  /(?<![A-Za-z0-9!#$'*+^_`{|}~.-])[A-Za-z0-9!#$'*+^_`{|}~.-]+%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]/g;
// Country, check digits, then the body ungrouped or in groups of four: at most 34 characters.
const IBAN_RE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])/g;
// ddd-dd-dddd without the numbers the SSA never issues (area 000, 666, 900-999; group 00; serial 0000).
const SSN_RE = /(?<![A-Za-z0-9-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![A-Za-z0-9-])/g;
// A run of digit groups joined by single spaces or dashes; cards are looked for inside it.
const DIGIT_RUN_RE = /\d+(?:[ -]\d+)*/g;

/**
 * Masks private keys, URL credentials, JWTs, bearer and basic credentials,
 * secret-looking pairs, e-mails, IBANs, US SSNs and card numbers: every class
 * Sentry's server-side scrubber (Relay) masks by default, before it leaves.
 */
export function maskString(text: string): string {
  if (text.length < 6) return text;
  if (text.length <= MAX_MASKED_LENGTH) return maskAll(text);
  const masked = maskAll(text.slice(0, MAX_MASKED_LENGTH));
  return `${masked.slice(0, masked.length - CUT_MARGIN)}${TRUNCATED}`;
}

function maskAll(text: string): string {
  let out = text;
  // Each rule runs only when a cheap test finds what it needs: most strings (a route, a
  // breadcrumb category) skip most of them.
  if (out.includes('-----BEGIN ')) out = maskPrivateKeys(out);
  if (out.includes('//')) out = out.replace(URL_AUTH_RE, `$1${FILTERED}@`);
  if (out.includes('eyJ')) out = out.replace(JWT_RE, JWT);
  if (BEARER_OR_BASIC_RE.test(out)) {
    out = out
      .replace(BEARER_RE, (_m, scheme: string, space: string) => `${scheme}${space}${FILTERED}`)
      .replace(BASIC_RE, (_m, scheme: string, space: string) => `${scheme}${space}${FILTERED}`);
  }
  if (PAIR_KEY_RE.test(out)) out = out.replace(PAIR_RE, maskPair);
  if (out.includes('@')) out = out.replace(EMAIL_RE, maskEmail);
  if (out.includes('%40')) out = out.replace(ENCODED_EMAIL_RE, EMAIL);
  if (!/\d/.test(out)) return out;
  return out.replace(IBAN_RE, maskIban).replace(SSN_RE, SSN).replace(DIGIT_RUN_RE, maskCardsInRun);
}

const BEARER_OR_BASIC_RE = /bearer|basic/i;
const PAIR_KEY_RE = /passw|pwd|secret|token|key|auth/i;

function maskPair(_match: string, key: string, value: string): string {
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
  return `${key}${quote}${FILTERED}${quote}`;
}

/**
 * A grouped match may have taken the next word as its last group (`… 7034 EUR`):
 * then the IBAN is what comes before it.
 */
function maskIban(match: string): string {
  if (ibanValid(match.replace(/ /g, ''))) return IBAN;
  const last = match.lastIndexOf(' ');
  return last > 0 && ibanValid(match.slice(0, last).replace(/ /g, '')) ? `${IBAN}${match.slice(last)}` : match;
}

/**
 * Replaces each private-key block, header to footer, by `[PRIVATE KEY]`. A
 * header without a footer masks the rest of the text: the key was cut short.
 */
function maskPrivateKeys(text: string): string {
  let out = '';
  let from = 0;
  for (const [start, end] of privateKeyBlocks(text)) {
    out += `${text.slice(from, start)}${PRIVATE_KEY}`;
    if (end < 0) return out;
    from = end;
  }
  return `${out}${text.slice(from)}`;
}

/** Each private-key block in `text`: where its header starts and its footer ends, -1 when it has none. */
function* privateKeyBlocks(text: string): Generator<[start: number, end: number]> {
  PEM_BEGIN_RE.lastIndex = 0;
  for (let m = PEM_BEGIN_RE.exec(text); m; m = PEM_BEGIN_RE.exec(text)) {
    if (!m[1]?.includes('PRIVATE KEY')) continue;
    const footer = text.indexOf('-----END ', PEM_BEGIN_RE.lastIndex);
    const close = footer < 0 ? -1 : text.indexOf('-----', footer + 9);
    if (close < 0) {
      yield [m.index, -1];
      return;
    }
    yield [m.index, close + 5];
    PEM_BEGIN_RE.lastIndex = close + 5;
  }
}

/**
 * Lines of source masked as one text: a private key written over several
 * lines is masked whole (its header line reads `[PRIVATE KEY]`, the lines up
 * to its footer become empty), even when the lines begin or end inside it (a
 * frame's context window is a few lines of a longer key), and the list keeps
 * its length.
 */
export function maskLines(lines: readonly string[]): string[] {
  // Lines that start inside a key (its header is above the first line) are key too, up to its footer.
  let inKey = startsInsidePrivateKey(lines);
  return lines.map((line) => {
    let rest = line;
    if (inKey) {
      const footer = line.indexOf('-----END ');
      const close = footer < 0 ? -1 : line.indexOf('-----', footer + 9);
      if (close < 0) return '';
      inKey = false;
      rest = line.slice(close + 5);
    }
    const masked = maskString(rest);
    if (rest.includes('-----BEGIN ')) inKey = opensPrivateKey(rest);
    return masked;
  });
}

/** Whether the first private-key footer in `lines` comes before any header. */
function startsInsidePrivateKey(lines: readonly string[]): boolean {
  for (const line of lines) {
    const header = line.indexOf('-----BEGIN ');
    const footer = line.search(PEM_PRIVATE_FOOTER_RE);
    if (footer >= 0) return header < 0 || footer < header;
    if (header >= 0) return false;
  }
  return false;
}

const PEM_PRIVATE_FOOTER_RE = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z0-9 ]{0,40}-----/;

/** Whether `text` ends inside a private-key block: a header with no footer after it. */
function opensPrivateKey(text: string): boolean {
  let open = false;
  for (const [, end] of privateKeyBlocks(text)) open = end < 0;
  return open;
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
 * Masks card numbers in a run of digit groups: every span of whole groups (at
 * most 19 digits; one group, or groups of 3 to 6 but the last) that a card
 * network issues. Where two such spans overlap (`344 6221 2636 2488 0005`
 * holds a 15- and a 16-digit number) both go, as one `[CARD]`: which one is
 * the card cannot be told. Each start looks at no more than 19 groups, so
 * the scan is linear. A group of a decimal number (`…1111.5`) is never a card's first or last.
 */
function maskCardsInRun(run: string, offset: number, text: string): string {
  const parts = run.split(/([ -])/); // groups at even indexes, separators at odd ones
  const groups = (parts.length + 1) / 2;
  const before = text[offset - 1];
  const after = text[offset + run.length];
  const firstStart = before === '.' && isDigit(text[offset - 2]) ? 1 : 0;
  const lastEnd = after === '.' && isDigit(text[offset + run.length + 1]) ? groups - 2 : groups - 1;
  // Digits glued to letters (`ded24617-5390-…` in a UUID) are a card only as one whole group.
  const glued = { first: isLetter(before), last: isLetter(after) ? groups - 1 : -1 };
  let out = '';
  let emitted = 0; // index in parts of the first part not yet copied to out
  let span: [number, number] | undefined; // the groups of the card being widened
  const flush = (): void => {
    if (!span) return;
    out += `${parts.slice(emitted, span[0] * 2).join('')}${CARD}`;
    emitted = span[1] * 2 + 1;
  };
  for (let start = firstStart; start < groups; start++) {
    const end = longestCardFrom(parts, start, lastEnd, glued);
    if (end < 0) continue;
    if (span && start <= span[1]) span[1] = Math.max(span[1], end);
    else {
      flush();
      span = [start, end];
    }
  }
  flush();
  return span ? `${out}${parts.slice(emitted).join('')}` : run;
}

/** The last group of the longest card number that starts at group `start`, or -1. */
function longestCardFrom(parts: readonly string[], start: number, lastEnd: number, glued: { first: boolean; last: number }): number {
  let digits = '';
  let found = -1;
  for (let g = start; g <= lastEnd; g++) {
    const group = parts[g * 2] ?? '';
    if (digits.length + group.length > MAX_CARD_DIGITS) break;
    // Printed cards come in groups of 3 to 6 digits, the last one maybe shorter (4-4-4-4, 4-6-5,
    // 4-4-4-4-1): a UUID's 8-4-4 is not one.
    if (g > start && (group.length > 6 || !isCardGroup(parts[g * 2 - 2] ?? ''))) break;
    if (g > start && ((start === 0 && glued.first) || g === glued.last)) break;
    digits += group;
    if (digits.length >= MIN_CARD_DIGITS && cardNetwork(digits)) found = g;
  }
  return found;
}

const isCardGroup = (group: string): boolean => group.length >= 3 && group.length <= 6;
const isLetter = (c: string | undefined): boolean => c !== undefined && /[A-Za-z]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

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

export const MAX_DEPTH = 20;

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

export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
