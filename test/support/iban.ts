/**
 * IBAN check digits, computed here independently of the code under test:
 * with BigInt over the whole number rather than a running remainder.
 */
const numeric = (text: string): string => [...text].map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c)).join('');

/** The two check digits that make `country` + digits + `body` a valid IBAN. */
export function ibanCheckDigits(country: string, body: string): string {
  const remainder = BigInt(numeric(`${body}${country}00`)) % 97n;
  return String(98n - remainder).padStart(2, '0');
}

/** A valid IBAN for `country` and `body`, without spaces. */
export function makeIban(country: string, body: string): string {
  return `${country}${ibanCheckDigits(country, body)}${body}`;
}

/** The IBAN in its print form: groups of four joined by single spaces. */
export const printIban = (compact: string): string => compact.match(/.{1,4}/g)?.join(' ') ?? compact;
