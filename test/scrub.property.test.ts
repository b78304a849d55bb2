import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CARD, EMAIL, JWT, luhnValid, maskString } from '../src/scrub.js';
import { checkDigit } from './support/luhn.js';

// Fixed runs and seed: the same 300 cases on every run, fast and reproducible. Change the seed
// locally (or drop it) to explore further; a failure prints the seed and path to replay it.
const RUNS = { numRuns: 300, seed: 20_240_611 };

const digits = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^\\d{${n}}$`));

/** A Luhn-valid 16-digit number, contiguous or grouped by four with spaces or dashes. */
const cardNumber: fc.Arbitrary<{ digits: string; text: string }> = fc
  .tuple(digits(15), fc.constantFrom('', ' ', '-'))
  .map(([body, separator]) => {
    const all = `${body}${checkDigit(body)}`;
    return { digits: all, text: all.match(/\d{4}/g)?.join(separator) ?? all };
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
        assert.equal(luhnValid(other), false);
        assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      }),
      RUNS,
    );
  });

  test('an e-mail address never survives', () => {
    fc.assert(
      fc.property(
        fc.emailAddress().chain((email) => embed(email).map((text) => ({ email, text }))),
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

  // Known bug (see test/scrub.test.ts, 'card leak'): a number one space away joins the digit run, the
  // joined run fails Luhn and the card is left as it is. fast-check fails on its first case and shrinks
  // it to 'card 0000000000000000 1 items' (sixteen zeros are Luhn-valid).
  test('a card number next to another number never survives', () => {
    fc.assert(
      fc.property(cardNumber, fc.nat({ max: 999 }), fc.boolean(), (card, n, before) => {
        const text = before ? `qty ${n} ${card.text} items` : `card ${card.text} ${n} items`;
        assert.ok(!maskString(text).includes(card.text), JSON.stringify(maskString(text)));
      }),
      RUNS,
    );
  });
});
