/**
 * Check digits and issuer tables: what tells a card number or an IBAN from
 * any other number of the same shape (an order number, a timestamp, an id).
 * Pure functions over strings of digits and capital letters.
 */

/** Inclusive prefix ranges, compared on as many leading digits as the bound has. */
type PrefixRange = readonly [low: string, high: string];

interface CardNetwork {
  readonly name: string;
  readonly prefixes: readonly PrefixRange[];
  readonly lengths: readonly number[];
}

const lengths = (min: number, max: number): number[] => Array.from({ length: max - min + 1 }, (_, i) => min + i);

/**
 * The networks' published issuer ranges and the lengths each issues.
 * A 13-digit epoch-millisecond timestamp starts with 1 and is none of them.
 */
const CARD_NETWORKS: readonly CardNetwork[] = [
  { name: 'Visa', prefixes: [['4', '4']], lengths: [13, 16, 19] },
  {
    name: 'Mastercard',
    prefixes: [
      ['51', '55'],
      ['2221', '2720'],
    ],
    lengths: [16],
  },
  {
    name: 'American Express',
    prefixes: [
      ['34', '34'],
      ['37', '37'],
    ],
    lengths: [15],
  },
  {
    name: 'Discover',
    prefixes: [
      ['6011', '6011'],
      ['644', '649'],
      ['65', '65'],
      ['622126', '622925'],
    ],
    lengths: lengths(16, 19),
  },
  { name: 'JCB', prefixes: [['3528', '3589']], lengths: lengths(16, 19) },
  {
    name: 'Diners Club',
    prefixes: [
      ['300', '305'],
      ['3095', '3095'],
      ['36', '36'],
      ['38', '39'],
    ],
    lengths: lengths(14, 19),
  },
  { name: 'UnionPay', prefixes: [['62', '62']], lengths: lengths(16, 19) },
  {
    name: 'Maestro',
    prefixes: [
      ['5018', '5018'],
      ['5020', '5020'],
      ['5038', '5038'],
      ['5893', '5893'],
      ['6304', '6304'],
      ['6759', '6759'],
      ['6761', '6763'],
    ],
    lengths: lengths(12, 19),
  },
];

export const MIN_CARD_DIGITS = 12;
export const MAX_CARD_DIGITS = 19;

/** Each range as six-digit bounds and a bit per length: one number compare per range. */
const CARD_RANGES = CARD_NETWORKS.flatMap((network) =>
  network.prefixes.map(([low, high]) => ({
    name: network.name,
    low: Number(low.padEnd(6, '0')),
    high: Number(high.padEnd(6, '9')),
    lengths: network.lengths.reduce((mask, length) => mask | (1 << length), 0),
  })),
);

/** The network that issues `digits`, if it is a Luhn-valid number of a length that network uses. */
export function cardNetwork(digits: string): string | undefined {
  if (digits.length < MIN_CARD_DIGITS || digits.length > MAX_CARD_DIGITS) return undefined;
  // Issuers first: cheaper than the check digit, and most numbers have none.
  const prefix = Number(digits.slice(0, 6));
  const bit = 1 << digits.length;
  const range = CARD_RANGES.find((r) => prefix >= r.low && prefix <= r.high && (r.lengths & bit) !== 0);
  return range && luhnValid(digits) ? range.name : undefined;
}

export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
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

/**
 * The IBAN length of each country in the SWIFT IBAN registry (release 2024).
 * Countries that use the format outside it (the others Sentry's Relay masks,
 * relay-pii `IBAN_REGEX`) have no fixed length here: 0.
 */
const IBAN_LENGTHS = new Map(
  (
    'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ' +
    'ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 ' +
    'LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 ' +
    'PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 ' +
    'YE30 DZ0 AO0 BJ0 BF0 CV0 CM0 CF0 TD0 KM0 CG0 CI0 GQ0 GA0 GW0 IR0 MG0 ML0 MA0 MZ0 NE0 SN0 TG0'
  )
    .split(' ')
    .map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
);

const MIN_IBAN_LENGTH = 15;
const MAX_IBAN_LENGTH = 34;

/**
 * An IBAN without spaces: a country that issues them and its length, two
 * check digits, a body of capital letters and digits, and ISO 7064 mod 97-10
 * equal to 1.
 */
export function ibanValid(compact: string): boolean {
  if (compact.length < MIN_IBAN_LENGTH || compact.length > MAX_IBAN_LENGTH) return false;
  const length = IBAN_LENGTHS.get(compact.slice(0, 2));
  if (length === undefined || (length !== 0 && length !== compact.length) || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < moved.length; i++) {
    const code = moved.charCodeAt(i);
    // Letters count as two digits, A = 10 … Z = 35.
    remainder = code <= 57 ? (remainder * 10 + code - 48) % 97 : (remainder * 100 + code - 55) % 97;
  }
  return remainder === 1;
}
