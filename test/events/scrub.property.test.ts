import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { luhnValid } from '../../src/events/numbers.js';
import { CARD, EMAIL, FILTERED, IBAN, JWT, maskString, MAX_MASKED_LENGTH, PRIVATE_KEY, SSN, TRUNCATED } from '../../src/events/scrub.js';
import { makeIban, printIban } from '../support/iban.js';
import { checkDigit } from '../support/luhn.js';

// Fixed runs and seed: the same 300 cases on every run, fast and reproducible. Change the seed
// locally (or drop it) to explore further; a failure prints the seed and path to replay it.
const RUNS = { numRuns: 300, seed: 20_240_611 };

const digits = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^\\d{${n}}$`));

/**
 * Issuer prefixes and the lengths each network uses, written out here apart from src/events/numbers.ts:
 * the generators must not share the table they test.
 */
const ISSUED: ReadonlyArray<readonly [prefix: string, length: number]> = [
  ['4', 13],
  ['4', 16],
  ['4', 19],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['2720', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['644', 17],
  ['649', 16],
  ['65', 19],
  ['622126', 16],
  ['3528', 16],
  ['3589', 19],
  ['300', 14],
  ['305', 16],
  ['3095', 14],
  ['36', 14],
  ['38', 16],
  ['39', 19],
  ['62', 17],
  ['5018', 12],
  ['5893', 19],
  ['6763', 13],
];

/** Groups as cards are printed: Amex's 4-6-5, Diners' 4-6-4, otherwise fours and what is left. */
function printed(all: string, separator: string): string {
  if (separator === '') return all;
  const groups = all.length === 14 || all.length === 15 ? [all.slice(0, 4), all.slice(4, 10), all.slice(10)] : all.match(/\d{1,4}/g);
  return groups?.join(separator) ?? all;
}

/** A number a network issues, contiguous or grouped with spaces or dashes. */
const cardNumber: fc.Arbitrary<{ digits: string; text: string }> = fc
  .tuple(fc.constantFrom(...ISSUED), fc.stringMatching(/^\d{18}$/), fc.constantFrom('', ' ', '-'))
  .map(([[prefix, length], random, separator]) => {
    const body = `${prefix}${random}`.slice(0, length - 1);
    const all = `${body}${checkDigit(body)}`;
    return { digits: all, text: printed(all, separator) };
  });

/** A Luhn-invalid 16-digit number: the right check digit plus 1..9. */
const notACard: fc.Arbitrary<string> = fc
  .tuple(digits(15), fc.integer({ min: 1, max: 9 }))
  .map(([body, offset]) => `${body}${(checkDigit(body) + offset) % 10}`);

const b64url = (text: string): string => Buffer.from(text).toString('base64url');
const jsonObject = fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 24 }), fc.integer()), {
  minKeys: 1,
  maxKeys: 5,
});

// A header's first key is a letter ("alg", "typ", "kid"), which is what makes it start with eyJ: base64
// of '{"' plus a byte in 0x40-0x7f. Payload keys are anything.
const header = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/), fc.oneof(fc.string({ maxLength: 24 }), fc.integer()), {
  minKeys: 1,
  maxKeys: 4,
});

/** Header and payload are base64url JSON objects (the header starts with eyJ), the signature random bytes. */
const jwt: fc.Arbitrary<string> = fc
  .tuple(header, jsonObject, fc.uint8Array({ minLength: 16, maxLength: 64 }))
  .map(
    ([header, payload, signature]) =>
      `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${Buffer.from(signature).toString('base64url')}`,
  );

/** Text around a secret: lorem words, or letters and punctuation that none of the patterns use. */
const surrounding: fc.Arbitrary<string> = fc.oneof(fc.lorem({ maxCount: 12 }), fc.stringMatching(/^[A-Za-z ,;!?()]{0,40}$/));

const embed = (secret: string): fc.Arbitrary<string> =>
  fc.tuple(surrounding, surrounding).map(([before, after]) => `${before} ${secret} ${after}`);

describe('maskString properties', () => {
  test('the generators make what they claim', () => {
    fc.assert(
      fc.property(cardNumber, notACard, jwt, (card, other, token) => {
        assert.equal(luhnValid(card.digits), true);
        assert.ok(card.digits.length >= 12 && card.digits.length <= 19);
        assert.equal(luhnValid(other), false);
        assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      }),
      RUNS,
    );
  });

  test('an e-mail address never survives', () => {
    fc.assert(
      fc.property(
        // `//a@b.co` is also a scheme-relative URL with userinfo, and is masked as one.
        fc
          .emailAddress()
          .filter((email) => !email.includes('//'))
          .chain((email) => embed(email).map((text) => ({ email, text }))),
        ({ email, text }) => {
          const out = maskString(text);
          assert.ok(!out.includes(email), `${JSON.stringify(out)} contains ${email}`);
          // The surrounding text has no '@': any left means part of the address survived.
          assert.ok(!out.includes('@'), JSON.stringify(out));
          assert.ok(out.includes(EMAIL), JSON.stringify(out));
        },
      ),
      RUNS,
    );
  });

  test('a Luhn-valid card number never survives, contiguous, spaced or dashed', () => {
    fc.assert(
      fc.property(
        cardNumber.chain((card) => embed(card.text).map((text) => ({ card, text }))),
        ({ card, text }) => {
          const out = maskString(text);
          assert.ok(!out.includes(card.text), JSON.stringify(out));
          assert.ok(!/\d/.test(out), `digits left in ${JSON.stringify(out)}`);
          assert.ok(out.includes(CARD), JSON.stringify(out));
        },
      ),
      RUNS,
    );
  });

  test('a JWT never survives', () => {
    fc.assert(
      fc.property(
        jwt.chain((token) => embed(token).map((text) => ({ token, text }))),
        ({ token, text }) => {
          const out = maskString(text);
          for (const segment of token.split('.')) assert.ok(!out.includes(segment), `${JSON.stringify(out)} contains ${segment}`);
          assert.ok(out.includes(JWT), JSON.stringify(out));
        },
      ),
      RUNS,
    );
  });

  test('text with none of the patterns is unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z ]{0,200}$/), (text) => {
        assert.equal(maskString(text), text);
      }),
      RUNS,
    );
  });

  test('prose with capitals and punctuation is unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(fc.lorem({ maxCount: 40, mode: 'sentences' }), fc.stringMatching(/^[A-Za-z .,!?()'-]{0,200}$/)), (text) => {
        assert.equal(maskString(text), text);
      }),
      RUNS,
    );
  });

  test('a Luhn-invalid 16-digit number is unchanged', () => {
    fc.assert(
      fc.property(notACard.chain(embed), (text) => {
        assert.equal(maskString(text), text);
      }),
      RUNS,
    );
  });

  test('masking twice changes nothing more', () => {
    const secret = fc.oneof(
      fc.emailAddress(),
      cardNumber.map((c) => c.text),
      jwt,
      fc.constantFrom('password=hunter2', 'token: abc', 'Bearer abcdef123456'),
    );
    fc.assert(
      fc.property(secret.chain(embed), (text) => {
        const once = maskString(text);
        assert.equal(maskString(once), once);
      }),
      RUNS,
    );
  });

  test('a card number next to another number never survives', () => {
    fc.assert(
      fc.property(cardNumber, fc.nat({ max: 999 }), fc.boolean(), (card, n, before) => {
        const text = before ? `qty ${n} ${card.text} items` : `card ${card.text} ${n} items`;
        // The number may join the card when the two together are a card too (`344 6221…` holds an
        // Amex number): then both go, as one [CARD]. The card never survives, nor do the words.
        const out = maskString(text);
        assert.match(out, before ? /^qty (\d+ )?\[CARD\] items$/ : /^card \[CARD\]( \d+)? items$/);
      }),
      RUNS,
    );
  });
});

/** A body of capitals and digits of the length a country uses, in the IBAN registry's shape. */
const IBAN_LENGTHS: ReadonlyArray<readonly [country: string, length: number]> = [
  ['DE', 22],
  ['GB', 22],
  ['FR', 27],
  ['NL', 18],
  ['NO', 15],
  ['BE', 16],
  ['ES', 24],
  ['IT', 27],
  ['CH', 21],
  ['MT', 31],
  ['LC', 32],
  ['RU', 33],
  ['BR', 29],
  ['SA', 24],
  ['PL', 28],
  ['IE', 22],
  ['AT', 20],
  ['SE', 24],
  ['PT', 25],
  ['TR', 26],
];
const iban: fc.Arbitrary<{ compact: string; text: string }> = fc
  .tuple(fc.constantFrom(...IBAN_LENGTHS), fc.stringMatching(/^[A-Z0-9]{30}$/), fc.boolean())
  .map(([[country, length], body, grouped]) => {
    const compact = makeIban(country, body.slice(0, length - 4));
    return { compact, text: grouped ? printIban(compact) : compact };
  });

/** A number the SSA could issue: area 001-899 but 666, group 01-99, serial 0001-9999. */
const ssn: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 899 }), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 }))
  .filter(([area]) => area !== 666)
  .map(([a, g, s]) => `${String(a).padStart(3, '0')}-${String(g).padStart(2, '0')}-${String(s).padStart(4, '0')}`);

/** A number of that shape the SSA never issues. */
const notAnSsn: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('000', '666', '900', '951', '999', '123'), fc.constantFrom('00', '45'), fc.constantFrom('0000', '6789'))
  .filter(([a, g, s]) => a === '000' || a === '666' || a >= '900' || g === '00' || s === '0000')
  .map(([a, g, s]) => `${a}-${g}-${s}`);

const SCHEMES = [
  'postgres',
  'postgresql',
  'mysql',
  'mongodb',
  'mongodb+srv',
  'redis',
  'rediss',
  'amqp',
  'amqps',
  'http',
  'https',
  'ftp',
  'sftp',
  'ldap',
];
const host = fc.oneof(fc.ipV4(), fc.domain(), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}(\.[a-z]{2,8}){0,2}$/));
const port = fc.option(
  fc.integer({ min: 1, max: 65535 }).map((p) => `:${p}`),
  { nil: '' },
);
const path = fc.option(fc.stringMatching(/^\/[a-z0-9_./-]{0,20}$/), { nil: '' });
// Userinfo as people write it: percent-encoded or not, with ':' and even an unencoded '@' in the password.
const userinfo = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9._~%-]{0,12}$/),
    fc.option(fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=:@-]{1,24}$/), { nil: undefined }),
  )
  .filter(([user, password]) => user.length > 0 || password !== undefined)
  .map(([user, password]) => (password === undefined ? user : `${user}:${password}`));
const credentialedUrl = fc.tuple(fc.constantFrom(...SCHEMES), userinfo, host, port, path).map(([scheme, info, h, p, rest]) => ({
  info,
  text: `${scheme}://${info}@${h}${p}${rest}`,
  masked: `${scheme}://${FILTERED}@${h}${p}${rest}`,
}));
const plainUrl = fc.tuple(fc.constantFrom(...SCHEMES), host, port, path).map(([scheme, h, p, rest]) => `${scheme}://${h}${p}${rest}`);

const PEM_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'DSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'OPENSSH PRIVATE KEY'];
const privateKey: fc.Arbitrary<{ body: string; text: string }> = fc
  .tuple(
    fc.constantFrom(...PEM_LABELS),
    fc.array(fc.uint8Array({ minLength: 12, maxLength: 48 }), { minLength: 1, maxLength: 8 }),
    fc.constantFrom('\n', '\r\n', '\\n'),
  )
  .map(([label, lines, eol]) => {
    const body = lines.map((l) => Buffer.from(l).toString('base64')).join(eol);
    return { body, text: `-----BEGIN ${label}-----${eol}${body}${eol}-----END ${label}-----` };
  });

/** Text around a secret with no digit, '@', '/' or '-' in it, so what is left of a secret shows. */
const words = fc.oneof(fc.lorem({ maxCount: 8 }), fc.stringMatching(/^[A-Za-z ,;!?()]{0,30}$/));
const around = <T>(secret: fc.Arbitrary<T>): fc.Arbitrary<{ secret: T; before: string; after: string }> =>
  fc.tuple(secret, words, words).map(([s, before, after]) => ({ secret: s, before, after }));

describe("maskString properties: Relay's classes", () => {
  test('the generators make what they claim', () => {
    fc.assert(
      fc.property(iban, ssn, notAnSsn, credentialedUrl, (i, s, n, u) => {
        assert.match(i.compact, /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/);
        assert.match(s, /^\d{3}-\d{2}-\d{4}$/);
        assert.match(n, /^(000|666|9\d\d)-|-00-|-0000$/);
        assert.equal(new URL(u.text.replace(/^[^:]+:/, 'http:')).host.length > 0, true);
      }),
      RUNS,
    );
  });

  const cases: Array<{ name: string; arbitrary: fc.Arbitrary<{ text: string; masked: string }> }> = [
    { name: 'a URL with credentials keeps all but its userinfo', arbitrary: credentialedUrl },
    { name: 'an IBAN, grouped or not', arbitrary: iban.map((i) => ({ text: i.text, masked: IBAN })) },
    { name: 'a US SSN', arbitrary: ssn.map((s) => ({ text: s, masked: SSN })) },
    {
      name: 'a PEM private key, whatever its label and line ends',
      arbitrary: privateKey.map((k) => ({ text: k.text, masked: PRIVATE_KEY })),
    },
    { name: 'a card number of any network', arbitrary: cardNumber.map((c) => ({ text: c.text, masked: CARD })) },
  ];
  for (const c of cases) {
    test(`${c.name}: always masked, the words around it kept`, () => {
      fc.assert(
        fc.property(around(c.arbitrary), ({ secret, before, after }) => {
          assert.equal(maskString(`${before} ${secret.text} ${after}`), `${before} ${secret.masked} ${after}`);
        }),
        RUNS,
      );
    });
  }

  const kept: Array<{ name: string; arbitrary: fc.Arbitrary<string> }> = [
    { name: 'a URL without userinfo', arbitrary: plainUrl },
    { name: 'an SSN-shaped number the SSA never issues', arbitrary: notAnSsn },
    { name: 'epoch milliseconds', arbitrary: fc.integer({ min: 1_000_000_000_000, max: 1_999_999_999_999 }).map(String) },
    { name: 'a 12-19 digit number no network issues', arbitrary: fc.stringMatching(/^[01789]\d{11,18}$/) },
    { name: 'a UUID', arbitrary: fc.uuid() },
    { name: 'a version', arbitrary: fc.tuple(fc.nat(99), fc.nat(99), fc.nat(999)).map(([a, b, c]) => `v${a}.${b}.${c}`) },
    { name: 'an address and port', arbitrary: fc.tuple(fc.ipV4(), fc.nat(65535)).map(([ip, p]) => `ECONNREFUSED ${ip}:${p}`) },
  ];
  for (const c of kept) {
    test(`${c.name} is unchanged`, () => {
      fc.assert(
        fc.property(around(c.arbitrary), ({ secret, before, after }) => {
          const text = `${before} ${secret} ${after}`;
          assert.equal(maskString(text), text);
        }),
        RUNS,
      );
    });
  }

  test('an IBAN with wrong check digits is never masked as one', () => {
    fc.assert(
      fc.property(iban, fc.integer({ min: 1, max: 96 }), (i, offset) => {
        const check = (Number(i.compact.slice(2, 4)) + offset) % 97;
        const wrong = `${i.compact.slice(0, 2)}${String(check).padStart(2, '0')}${i.compact.slice(4)}`;
        fc.pre(check >= 2);
        assert.ok(!maskString(`iban ${wrong} rejected`).includes(IBAN), wrong);
      }),
      RUNS,
    );
  });
});

/**
 * Long inputs built from the pieces each rule reacts to, in any order: the
 * shapes that made the old card scan quadratic, and their kin for every rule.
 * Each is masked in linear time (bench/scrub.ts measures it); here, the
 * result is bounded and a secret inside the noise is still found.
 */
const ATOMS = [
  '4111 ',
  '1111-',
  '1 ',
  '2',
  '.5',
  '://',
  '//',
  'a@',
  '@b.co',
  'user:pw',
  '-----BEGIN PRIVATE KEY-----',
  '-----END ',
  'DE89 ',
  '3704 ',
  '078-05-',
  '1120',
  'eyJhbGci.',
  'Bearer ',
  'Basic ',
  'password=',
  'x',
  ' ',
  '\n',
  '.',
  '-',
];
const noise = fc.array(fc.constantFrom(...ATOMS), { minLength: 200, maxLength: 4000 }).map((parts) => parts.join(''));

describe('maskString properties: long adversarial input', () => {
  const LONG_RUNS = { numRuns: 40, seed: 20_261_203 };

  test('the result is never longer than the cut allows', () => {
    fc.assert(
      fc.property(noise, (text) => {
        const out = maskString(text);
        assert.ok(out.length <= Math.max(text.length, MAX_MASKED_LENGTH) + TRUNCATED.length + 64);
        assert.equal(out.endsWith(TRUNCATED), text.length > MAX_MASKED_LENGTH);
      }),
      LONG_RUNS,
    );
  });

  test('a secret after the noise is still masked', () => {
    const secret = fc.constantFrom(
      ['4111 1111 1111 1111', CARD],
      ['postgres://app:hunter2@db', `postgres://${FILTERED}@db`],
      ['DE89 3704 0044 0532 0130 00', IBAN],
      ['078-05-1120', SSN],
    );
    fc.assert(
      fc.property(noise, secret, (text, [s, masked]) => {
        // Noise cut to leave room for the secret under the limit, then a break no rule spans.
        const out = maskString(`${text.slice(0, MAX_MASKED_LENGTH - 200)}\n; ${s} ;`);
        // The noise has no ';'. Without the break, a private-key header in the noise with no footer
        // masked all that follows it, the secret too.
        const at = out.lastIndexOf('\n; ');
        if (at >= 0) assert.equal(out.slice(at), `\n; ${masked} ;`);
        else assert.ok(out.includes(PRIVATE_KEY) && !out.includes(`${s} ;`), JSON.stringify(out.slice(-80)));
      }),
      LONG_RUNS,
    );
  });
});
