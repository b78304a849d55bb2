import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cardNetwork, ibanValid } from '../../src/events/numbers.js';
import { makeIban } from '../support/iban.js';
import { checkDigit } from '../support/luhn.js';

const withCheckDigit = (body: string): string => `${body}${checkDigit(body)}`;

describe('cardNetwork', () => {
  // Published test numbers of each network, and the edges of their ranges and lengths.
  const cases: Array<{ digits: string; expected: string | undefined }> = [
    { digits: '4111111111111111', expected: 'Visa' },
    { digits: '4222222222222', expected: 'Visa' },
    { digits: withCheckDigit('411111111111111111'), expected: 'Visa' },
    { digits: withCheckDigit('41111111111111'), expected: undefined }, // 15 digits: not a Visa length
    { digits: '5555555555554444', expected: 'Mastercard' },
    { digits: '5105105105105100', expected: 'Mastercard' },
    { digits: '2223003122003222', expected: 'Mastercard' },
    { digits: withCheckDigit('272099999999999'), expected: 'Mastercard' },
    { digits: withCheckDigit('272100000000000'), expected: undefined },
    { digits: withCheckDigit('222099999999999'), expected: undefined },
    { digits: withCheckDigit('560000000000000'), expected: undefined },
    { digits: '378282246310005', expected: 'American Express' },
    { digits: '371449635398431', expected: 'American Express' },
    { digits: withCheckDigit('3782822463100051'), expected: undefined }, // 16 digits: not an Amex length
    { digits: '6011111111111117', expected: 'Discover' },
    { digits: withCheckDigit('644000000000000'), expected: 'Discover' },
    { digits: withCheckDigit('643000000000000'), expected: undefined },
    { digits: '3530111333300000', expected: 'JCB' },
    { digits: '3566002020360505', expected: 'JCB' },
    { digits: withCheckDigit('352700000000000'), expected: undefined },
    { digits: '30569309025904', expected: 'Diners Club' },
    { digits: '38520000023237', expected: 'Diners Club' },
    { digits: withCheckDigit('3060000000000'), expected: undefined },
    { digits: '6200000000000005', expected: 'UnionPay' },
    { digits: withCheckDigit('62212600000000000'), expected: 'Discover' },
    { digits: withCheckDigit('67590000000'), expected: 'Maestro' },
    { digits: withCheckDigit('501800000000000000'), expected: 'Maestro' },
    { digits: '1796302572211', expected: undefined }, // epoch milliseconds, Luhn-valid
    { digits: withCheckDigit('900000000000000'), expected: undefined },
    { digits: withCheckDigit('000000000000000'), expected: undefined },
    { digits: '4111111111111112', expected: undefined }, // wrong check digit
    { digits: withCheckDigit('4111111111'), expected: undefined }, // 11 digits
    { digits: withCheckDigit('4111111111111111111'), expected: undefined }, // 20 digits
    { digits: '4111 1111 1111 1111', expected: undefined },
    { digits: '', expected: undefined },
  ];
  for (const c of cases) {
    test(`${c.digits || '(empty)'} -> ${c.expected ?? 'none'}`, () => {
      assert.equal(cardNetwork(c.digits), c.expected);
    });
  }
});

describe('ibanValid', () => {
  const cases: Array<{ iban: string; expected: boolean }> = [
    { iban: 'DE89370400440532013000', expected: true },
    { iban: 'GB82WEST12345698765432', expected: true },
    { iban: 'NO9386011117947', expected: true },
    { iban: 'FR1420041010050500013M02606', expected: true },
    { iban: 'MT84MALT011000012345MTLCAST001S', expected: true },
    { iban: makeIban('LC', 'HEMM000100010012001200023015'), expected: true },
    { iban: makeIban('RU', `044525225${'0'.repeat(20)}`), expected: true },
    { iban: 'DE88370400440532013000', expected: false }, // wrong check digits
    { iban: 'DE89370400440532013001', expected: false }, // one digit changed
    { iban: makeIban('ZZ', '370400440532013000'), expected: false }, // no such country
    { iban: makeIban('DE', '3704004405'), expected: false }, // 14 characters
    { iban: makeIban('DE', '3'.repeat(31)), expected: false }, // 35 characters
    { iban: 'de89370400440532013000', expected: false }, // lower case
    { iban: makeIban('DE', '3704004405320130001'), expected: false }, // 23 characters: Germany's are 22
    { iban: makeIban('SN', '08010010000010000012'), expected: true }, // outside the registry: any length
    { iban: 'BE68539007547034', expected: true },
    { iban: 'CR05015202001026284066', expected: true },
    { iban: 'DE89 3704 0044 0532 0130 00', expected: false }, // spaces are the caller's to remove
    { iban: '', expected: false },
  ];
  for (const c of cases) {
    test(`${c.iban || '(empty)'} -> ${c.expected}`, () => {
      assert.equal(ibanValid(c.iban), c.expected);
    });
  }
});
