/**
 * The /testing helpers, used the way an app's own tests would use them: one
 * Sentry + OTel pipeline per test file, reset between tests, closed at the end.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { captureException, captureMessage, HttpClientError, ReportedError, setUser, withScope } from '../../src/api/api.js';
import { initTestSentry } from '../../src/testing/testing.js';
import type { CapturedSentry } from '../../src/testing/testing.js';

class PoolExhausted extends ReportedError {
  override get fingerprint(): readonly string[] {
    return ['connection-pool-exhausted'];
  }
}

let sentry: CapturedSentry;
let server: Server;
let base: string;

before(async () => {
  sentry = await initTestSentry({ env: { OTEL_SERVICE_NAME: 'orders' } });
  server = createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/fail')) res.writeHead(503).end('{"detail":"down, ask ops@example.com"}');
    else res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => sentry.reset());
after(async () => {
  server.close();
  await sentry.close();
});

test('a ReportedError arrives with its tags, contexts and fingerprint, masked', async () => {
  captureException(
    new PoolExhausted('pool exhausted for jane@example.com', { tags: { pool: 'orders' }, contexts: { pool: { size: 10 } } }),
  );
  await sentry.flush();
  const [error] = sentry.errors;
  assert.ok(error);
  assert.equal(error.exception?.values?.at(-1)?.type, 'PoolExhausted');
  assert.equal(error.exception?.values?.at(-1)?.value, 'pool exhausted for [EMAIL]');
  assert.equal(error.tags?.['pool'], 'orders');
  assert.deepEqual(error.contexts?.['pool'], { size: 10 });
  assert.deepEqual(error.fingerprint, ['connection-pool-exhausted']);
  assert.equal(error.environment, 'test');
});

test('an HttpClientError from a real 503 carries the request and the masked body', async () => {
  const res = await fetch(`${base}/fail?token=abc`, { method: 'POST', body: '{}' });
  captureException(await HttpClientError.fromResponse(res, { method: 'POST' }));
  await sentry.flush();
  const [error] = sentry.errors;
  assert.equal(error?.tags?.['http.request.url'], `${base}/fail`);
  assert.equal(error?.tags?.['http.response.status_code'], '503');
  assert.equal((error?.contexts?.['http_response'] as { body?: string }).body, '{"detail":"down, ask [EMAIL]"}');
});

test('noise is dropped before it is captured', async () => {
  captureException(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  captureException(new Error('Too Many Requests'));
  captureException(new TypeError('a real bug'));
  await sentry.flush();
  assert.deepEqual(
    sentry.errors.map((e) => e.exception?.values?.at(-1)?.type),
    ['TypeError'],
  );
});

test('messages, scopes and users: ids only unless the app opts in', async () => {
  setUser({ id: 7, email: 'jane@example.com' });
  withScope((scope) => {
    scope.setTag('step', 'checkout');
    captureMessage('slow checkout', 'warning');
  });
  setUser(null);
  await sentry.flush();
  const [message] = sentry.messages;
  assert.equal(message?.message, 'slow checkout');
  assert.equal(message?.level, 'warning');
  assert.equal(message?.tags?.['step'], 'checkout');
  assert.deepEqual(message?.user, { id: 7 });
});

test('sampled POSTs become spans named by route, with no client addresses', async () => {
  await fetch(`${base}/orders/42`, { method: 'POST', body: '{}' });
  await fetch(`${base}/orders/42`);
  const server = sentry.spans.filter((s) => s.kind === 1);
  assert.deepEqual(
    server.map((s) => s.name),
    ['POST /orders/:id'],
  );
  assert.equal(server[0]?.attributes['client.address'], undefined);
});
