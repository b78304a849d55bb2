/**
 * The status Express's final handler answers an error with decides whether
 * the preload captures it: 5xx yes, 4xx no.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finalStatus } from '../../src/events/frameworks.js';

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

const cases: Array<[string, unknown, number, number]> = [
  ['a plain Error on a fresh response', new Error('x'), 200, 500],
  ['status 404 on the error', Object.assign(new Error('x'), { status: 404 }), 200, 404],
  ['statusCode 503 on the error', Object.assign(new Error('x'), { statusCode: 503 }), 200, 503],
  ['status out of range falls back to the response', Object.assign(new Error('x'), { status: 302 }), 410, 410],
  ['a non-numeric status is ignored', Object.assign(new Error('x'), { status: '400' }), 200, 500],
  ['a Symbol', Symbol('s'), 200, 500],
  ['a revoked Proxy cannot be read: a server error', revoked(), 200, 500],
];

for (const [name, error, responseStatus, expected] of cases) {
  test(`finalStatus: ${name} -> ${expected}`, () => {
    assert.equal(finalStatus(error, { statusCode: responseStatus }), expected);
  });
}
