import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factsOf, noiseReason } from '../../src/events/noise.js';
import type { DropReason, ErrorFacts } from '../../src/events/noise.js';
import type { ErrorMatcher } from '../../src/preload/matchers.js';

/** A Node-style system error: an Error with a string `code`. */
function systemError(code: string, message = `${code.toLowerCase()} happened`): Error {
  return Object.assign(new Error(message), { code });
}

describe('factsOf', () => {
  const cases: Array<{ name: string; error: unknown; fallback?: { type?: string; value?: string }; expected: ErrorFacts }> = [
    {
      name: 'Error with a code',
      error: systemError('ECONNRESET', 'read ECONNRESET'),
      expected: { name: 'Error', message: 'read ECONNRESET', code: 'ECONNRESET', status: undefined },
    },
    {
      name: 'TypeError',
      error: new TypeError("Cannot read properties of undefined (reading 'id')"),
      expected: { name: 'TypeError', message: "Cannot read properties of undefined (reading 'id')", code: undefined, status: undefined },
    },
    {
      name: 'numeric code is not a code',
      error: Object.assign(new Error('x'), { code: 20 }),
      expected: { name: 'Error', message: 'x', code: undefined, status: undefined },
    },
    { name: 'object with status', error: { status: 429 }, expected: { name: '', message: '', code: undefined, status: 429 } },
    {
      name: 'object with statusCode',
      error: { name: 'HTTPError', message: 'upstream', statusCode: 503 },
      expected: { name: 'HTTPError', message: 'upstream', code: undefined, status: 503 },
    },
    {
      name: 'axios-style response.status',
      error: Object.assign(new Error('Request failed with status code 429'), { response: { status: 429 } }),
      expected: { name: 'Error', message: 'Request failed with status code 429', code: undefined, status: 429 },
    },
    {
      name: 'response.statusCode',
      error: { response: { statusCode: 500 } },
      expected: { name: '', message: '', code: undefined, status: 500 },
    },
    {
      name: 'own status wins over response.status',
      error: { status: 400, response: { status: 429 } },
      expected: { name: '', message: '', code: undefined, status: 400 },
    },
    { name: 'string status is ignored', error: { status: '429' }, expected: { name: '', message: '', code: undefined, status: undefined } },
    {
      name: 'a thrown string',
      error: 'socket hang up',
      expected: { name: '', message: 'socket hang up', code: undefined, status: undefined },
    },
    {
      name: 'fallback from an exception {type, value}',
      error: undefined,
      fallback: { type: 'AbortError', value: 'The operation was aborted' },
      expected: { name: 'AbortError', message: 'The operation was aborted', code: undefined, status: undefined },
    },
    {
      name: 'the error wins over the fallback',
      error: new RangeError('bad'),
      fallback: { type: 'Other', value: 'other' },
      expected: { name: 'RangeError', message: 'bad', code: undefined, status: undefined },
    },
    {
      name: 'a string wins over the fallback value, the fallback gives the name',
      error: 'text',
      fallback: { type: 'Error', value: 'other' },
      expected: { name: 'Error', message: 'text', code: undefined, status: undefined },
    },
    { name: 'nothing at all', error: null, expected: { name: '', message: '', code: undefined, status: undefined } },
    { name: 'a number', error: 42, expected: { name: '', message: '', code: undefined, status: undefined } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(factsOf(c.error, c.fallback), c.expected);
    });
  }

  test('an aborted signal’s reason', () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(factsOf(controller.signal.reason).name, 'AbortError');
  });
});

describe('noiseReason', () => {
  const cases: Array<{ name: string; error: unknown; ignore?: ErrorMatcher[]; expected: DropReason | undefined }> = [
    // client disconnects and cancellations
    { name: 'ECONNRESET code', error: systemError('ECONNRESET'), expected: 'client-disconnect' },
    { name: 'EPIPE code', error: systemError('EPIPE'), expected: 'client-disconnect' },
    { name: 'ECONNABORTED code', error: systemError('ECONNABORTED'), expected: 'client-disconnect' },
    {
      name: 'ERR_STREAM_PREMATURE_CLOSE code',
      error: systemError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'),
      expected: 'client-disconnect',
    },
    { name: 'ABORT_ERR code', error: systemError('ABORT_ERR', 'The operation was aborted'), expected: 'client-disconnect' },
    { name: 'AbortError name', error: new DOMException('This operation was aborted', 'AbortError'), expected: 'client-disconnect' },
    { name: "'read ECONNRESET' text", error: new Error('read ECONNRESET'), expected: 'client-disconnect' },
    { name: "'write EPIPE' text", error: 'write EPIPE', expected: 'client-disconnect' },
    // rate limits
    { name: 'status 429', error: { status: 429, message: 'upstream said no' }, expected: 'rate-limit' },
    {
      name: 'response.status 429',
      error: Object.assign(new Error('Request failed'), { response: { status: 429 } }),
      expected: 'rate-limit',
    },
    { name: "'Rate limit exceeded'", error: new Error('Rate limit exceeded'), expected: 'rate-limit' },
    { name: "'rate-limited'", error: new Error('request was rate-limited by upstream'), expected: 'rate-limit' },
    { name: "'Too Many Requests'", error: new Error('429 Too Many Requests'), expected: 'rate-limit' },
    // kept
    { name: 'a normal TypeError', error: new TypeError("Cannot read properties of undefined (reading 'id')"), expected: undefined },
    { name: 'ECONNREFUSED (our own dependency is down)', error: systemError('ECONNREFUSED'), expected: undefined },
    { name: 'ETIMEDOUT', error: systemError('ETIMEDOUT'), expected: undefined },
    { name: 'status 500', error: { status: 500, message: 'Internal Server Error' }, expected: undefined },
    { name: 'status 503', error: { statusCode: 503 }, expected: undefined },
    { name: 'code text glued to a word', error: new Error('XECONNRESETX'), expected: undefined },
    { name: "'rate' alone", error: new Error('exchange rate missing'), expected: undefined },
    { name: 'limit without rate', error: new Error('limit of 10 items exceeded'), expected: undefined },
    // ignore matchers
    { name: 'substring, case-insensitive', error: new Error('Upstream FLAKY today'), ignore: ['flaky'], expected: 'ignored' },
    { name: 'substring matches the name', error: new TypeError('x'), ignore: ['typeerror'], expected: 'ignored' },
    { name: 'substring matches "name: message"', error: new Error('boom'), ignore: ['Error: boom'], expected: 'ignored' },
    { name: 'substring that does not match', error: new Error('boom'), ignore: ['flaky'], expected: undefined },
    { name: 'regex', error: new Error('Timeout after 30000ms'), ignore: [/^Error: Timeout after \d+ms$/], expected: 'ignored' },
    { name: 'regex is case-sensitive without i', error: new Error('timeout after 5ms'), ignore: [/Timeout/], expected: undefined },
    { name: 'regex with i', error: new Error('timeout after 5ms'), ignore: [/TIMEOUT/i], expected: 'ignored' },
    { name: 'second matcher', error: new Error('quota'), ignore: ['nope', /quota/], expected: 'ignored' },
    { name: 'no matchers', error: new Error('quota'), ignore: [], expected: undefined },
    { name: 'disconnect wins over ignore', error: systemError('EPIPE'), ignore: ['epipe'], expected: 'client-disconnect' },
  ];
  for (const c of cases) {
    test(`${c.name} -> ${c.expected ?? 'kept'}`, () => {
      assert.equal(noiseReason(factsOf(c.error), c.ignore), c.expected);
    });
  }

  test('from the exception fallback alone', () => {
    assert.equal(noiseReason(factsOf(undefined, { type: 'Error', value: 'read ECONNRESET' })), 'client-disconnect');
    assert.equal(noiseReason(factsOf(undefined, { type: 'Error', value: 'Too many requests' })), 'rate-limit');
    assert.equal(noiseReason(factsOf(undefined, { type: 'TypeError', value: 'x is not a function' })), undefined);
  });

  // RATE_LIMIT_TEXT has no word boundary: "generate limit", "accurate limit", "separate limits" end in "rate limit".
  const falseRateLimits = ['Failed to generate limit order', 'Could not compute an accurate limit', 'separate limits must be positive'];
  for (const message of falseRateLimits) {
    test(`'${message}' is kept`, () => {
      assert.equal(noiseReason(factsOf(new Error(message))), undefined);
    });
  }
});
