/**
 * The preload's one capture path, on the real Sentry SDK (in-memory
 * transport): every kind of thrown value becomes an event with a readable
 * message, and nothing thrown inside Sentry reaches the caller.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import * as Sentry from '@sentry/node';
import { makeCapture } from '../../src/events/capture.js';
import { guardFailures } from '../../src/preload/guarded.js';
import { initTestSentry } from '../../src/testing/testing.js';
import type { CapturedSentry } from '../../src/testing/testing.js';
import { THROWABLES } from '../support/throwables.js';

let sentry: CapturedSentry;
before(async () => {
  sentry = await initTestSentry();
});
beforeEach(() => sentry.reset());
after(() => sentry.close());

const capture = makeCapture(Sentry);
const MECHANISM = { type: 'auto.test', handled: false };

for (const { kind, make, readable } of THROWABLES) {
  test(`${kind}: captured as one event with a readable message`, async () => {
    assert.doesNotThrow(() => capture(make(), MECHANISM, { transaction: 'POST /fail/:id' }));
    await sentry.flush();
    assert.equal(sentry.errors.length, 1, `no event for ${kind}`);
    const [event] = sentry.errors;
    const values = event?.exception?.values ?? [];
    const main = values[values.length - 1];
    assert.match(`${main?.type}: ${main?.value}`, readable);
    assert.equal(main?.mechanism?.type, 'auto.test');
    assert.equal(main?.mechanism?.handled, false);
    assert.equal(event?.transaction, 'POST /fail/:id');
  });
}

test('an Error keeps its own frames; a stand-in for a primitive has none of ours', async () => {
  capture(new Error('framed'), MECHANISM);
  capture(Symbol('bare'), MECHANISM);
  await sentry.flush();
  // Events finish in any order: source context is read from disk for real frames only.
  const byMessage = (re: RegExp) => sentry.errors.find((e) => re.test(String(e.exception?.values?.at(-1)?.value)));
  const frames = (re: RegExp): string[] =>
    (byMessage(re)?.exception?.values?.at(-1)?.stacktrace?.frames ?? []).map((f) => String(f.filename));
  assert.ok(frames(/framed/).some((f) => f.endsWith('capture.test.js')));
  assert.deepEqual(frames(/Symbol\(bare\)/), []);
  assert.equal(byMessage(/Symbol\(bare\)/)?.exception?.values?.at(-1)?.mechanism?.synthetic, true);
});

test('a failure inside Sentry is counted, never thrown to the caller', () => {
  const before = guardFailures().get('capturing an error') ?? 0;
  const broken = makeCapture({
    ...Sentry,
    captureException: () => {
      throw new Error('sdk broke');
    },
  });
  assert.doesNotThrow(() => broken(new Error('x'), MECHANISM));
  assert.equal(guardFailures().get('capturing an error'), before + 1);
});
