import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorEvent, EventHint } from '@sentry/core';
import { HttpClientError, ReportedError } from '../../src/api/errors.js';
import type { DropReason } from '../../src/events/noise.js';
import { createEventPipeline } from '../../src/events/pipeline.js';
import type { PipelineOptions } from '../../src/events/pipeline.js';
import { CARD, EMAIL, FILTERED, PRIVATE_KEY } from '../../src/events/scrub.js';

const MAIL = 'jane.doe@example.com';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** A ledger that remembers every drop. */
function recordingLedger(): { record(reason: DropReason, what: string): void; calls: Array<{ reason: DropReason; what: string }> } {
  const calls: Array<{ reason: DropReason; what: string }> = [];
  return { calls, record: (reason, what) => void calls.push({ reason, what }) };
}

/** An error event shaped like the ones @sentry/node hands to beforeSend for a failed request. */
function makeEvent(error: Error): ErrorEvent {
  return {
    type: undefined,
    event_id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    level: 'error',
    platform: 'node',
    transaction: 'POST /api/v1/orders',
    exception: {
      values: [
        { type: 'Error', value: `inner cause for ${MAIL}` },
        { type: error.name, value: error.message, mechanism: { type: 'onuncaughtexception', handled: false } },
      ],
    },
    request: {
      url: 'https://shop.example.com/api/v1/orders?password=hunter2&page=2',
      method: 'POST',
      query_string: 'password=hunter2&page=2',
      headers: {
        authorization: 'Basic dXNlcjpwYXNz',
        cookie: 'sid=s3ss10n',
        'x-api-key': 'k-123456',
        'content-type': 'application/json',
        'x-forwarded-for-mail': MAIL,
      },
      cookies: { sid: 's3ss10n' },
      data: { email: MAIL, password: 'hunter2', items: [{ sku: 'A-1', note: `gift for ${MAIL}` }] },
    },
    breadcrumbs: [
      { category: 'console', message: `user ${MAIL} logged in`, timestamp: 1 },
      {
        category: 'http',
        type: 'http',
        data: { url: 'https://api.example.com/v1/charge?token=abc123&x=1', method: 'POST', status_code: 402, api_key: 'sk_live_1' },
        timestamp: 2,
      },
    ],
    extra: {
      order: { id: 'ord_1', lines: [['4111 1111 1111 1111'], [{ contact: MAIL }]] },
      client_secret: 'cs_123',
      attempts: 3,
    },
    contexts: {
      trace: { trace_id: TRACE_ID, span_id: 'b7ad6b7169203331', data: { 'enduser.email': MAIL } },
      runtime: { name: 'node', version: 'v20.19.0' },
      billing: { customer: MAIL, plan: 'pro', password: 'p', history: [{ by: MAIL }] },
      credentials: { user: 'admin', pass: 'x' },
    },
    tags: { tenant: 'acme', owner: MAIL, level: 'error' },
    user: { id: '42', email: MAIL, ip_address: '10.0.0.1' },
  };
}

function run(error: unknown, options: PipelineOptions = {}, event = makeEvent(error instanceof Error ? error : new Error(String(error)))) {
  const hint: EventHint = { originalException: error };
  return createEventPipeline(options).beforeSend(event, hint);
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('createEventPipeline: noise', () => {
  const dropped: Array<{ name: string; error: unknown; options?: PipelineOptions; reason: DropReason }> = [
    { name: 'ECONNRESET', error: systemError('ECONNRESET', 'aborted'), reason: 'client-disconnect' },
    { name: 'EPIPE', error: systemError('EPIPE', 'write EPIPE'), reason: 'client-disconnect' },
    { name: 'AbortError', error: new DOMException('This operation was aborted', 'AbortError'), reason: 'client-disconnect' },
    { name: 'status 429', error: Object.assign(new Error('upstream refused'), { status: 429 }), reason: 'rate-limit' },
    { name: 'Too Many Requests text', error: new Error('Too Many Requests'), reason: 'rate-limit' },
    {
      name: 'ignored substring',
      error: new Error('Flaky upstream again'),
      options: { ignoreErrors: ['flaky upstream'] },
      reason: 'ignored',
    },
    {
      name: 'ignored regex',
      error: new RangeError('page 99 out of range'),
      options: { ignoreErrors: [/^RangeError: page \d+/] },
      reason: 'ignored',
    },
  ];
  for (const c of dropped) {
    test(`${c.name} -> null, counted once as ${c.reason}`, () => {
      const ledger = recordingLedger();
      assert.equal(run(c.error, { ...c.options, ledger }), null);
      assert.equal(ledger.calls.length, 1);
      assert.equal(ledger.calls[0]?.reason, c.reason);
    });
  }

  test('without an error object, the last exception value decides', () => {
    const ledger = recordingLedger();
    const event = makeEvent(new Error('read ECONNRESET'));
    assert.equal(createEventPipeline({ ledger }).beforeSend(event, {}), null);
    assert.deepEqual(
      ledger.calls.map((c) => c.reason),
      ['client-disconnect'],
    );
  });

  test('without an error or exception, the message decides', () => {
    const ledger = recordingLedger();
    const event: ErrorEvent = { type: undefined, message: 'Rate limit exceeded for tenant acme' };
    assert.equal(createEventPipeline({ ledger }).beforeSend(event, {}), null);
    assert.deepEqual(
      ledger.calls.map((c) => c.reason),
      ['rate-limit'],
    );
  });

  test('the ledger line names the error and is masked', () => {
    const ledger = recordingLedger();
    run(systemError('ECONNRESET', `client ${MAIL} went away`), { ledger });
    assert.equal(ledger.calls[0]?.what, `Error: client ${EMAIL} went away`);
  });

  test('the ledger line is at most 200 characters of message', () => {
    const ledger = recordingLedger();
    run(systemError('EPIPE', 'x'.repeat(1000)), { ledger });
    assert.equal(ledger.calls[0]?.what, `Error: ${'x'.repeat(200)}`);
  });

  const kept: Array<{ name: string; error: unknown; options?: PipelineOptions }> = [
    { name: 'a normal TypeError', error: new TypeError("Cannot read properties of undefined (reading 'id')") },
    { name: 'ECONNREFUSED', error: systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432') },
    { name: 'status 500', error: Object.assign(new Error('Internal Server Error'), { status: 500 }) },
    { name: 'ignore list that does not match', error: new Error('boom'), options: { ignoreErrors: ['flaky', /^TypeError/] } },
  ];
  for (const c of kept) {
    test(`${c.name} is kept and not counted`, () => {
      const ledger = recordingLedger();
      const out = run(c.error, { ...c.options, ledger });
      assert.notEqual(out, null);
      assert.equal(ledger.calls.length, 0);
    });
  }

  test('ignoreErrors is empty by default', () => {
    assert.notEqual(run(new Error('Flaky upstream again')), null);
  });
});

describe('createEventPipeline: ReportedError', () => {
  class QuotaExceeded extends ReportedError {
    override get fingerprint(): readonly string[] {
      return ['quota-exceeded'];
    }
  }

  test('tags, contexts and the fingerprint getter arrive', () => {
    const error = new QuotaExceeded('tenant acme is over quota', {
      tags: { tenant: 'acme', plan: 'pro' },
      contexts: { quota: { limit: 100, used: 130 } },
    });
    const out = run(error);
    assert.ok(out);
    assert.equal(out.tags?.['tenant'], 'acme');
    assert.equal(out.tags?.['plan'], 'pro');
    assert.equal(out.tags?.['owner'], EMAIL, 'existing tags are kept (and masked)');
    assert.deepEqual(out.contexts?.['quota'], { limit: 100, used: 130 });
    assert.deepEqual(out.fingerprint, ['quota-exceeded']);
    assert.ok(out.contexts?.['billing'], 'existing contexts are kept');
  });

  test('fingerprint from options', () => {
    const out = run(new ReportedError('x', { fingerprint: ['a', 'b'] }));
    assert.deepEqual(out?.fingerprint, ['a', 'b']);
  });

  test('no fingerprint leaves the event fingerprint alone', () => {
    const event = makeEvent(new Error('x'));
    event.fingerprint = ['{{ default }}', 'mine'];
    const out = run(new ReportedError('x', { tags: { a: 'b' } }), {}, event);
    assert.deepEqual(out?.fingerprint, ['{{ default }}', 'mine']);
  });

  test('its tags and contexts are masked too', () => {
    const out = run(new ReportedError('x', { tags: { contact: MAIL }, contexts: { account: { email: MAIL, api_key: 'k' } } }));
    assert.equal(out?.tags?.['contact'], EMAIL);
    assert.deepEqual(out?.contexts?.['account'], { email: EMAIL, api_key: FILTERED });
  });

  test('an HttpClientError’s tags and context arrive, without the query string', () => {
    const error = HttpClientError.fromError(new Error('connect ECONNREFUSED 10.0.0.7:443'), {
      method: 'post',
      url: 'https://billing.example.com/v1/charge?token=abc123',
    });
    const out = run(error);
    assert.ok(out);
    assert.equal(out.tags?.['http.request.method'], 'POST');
    assert.equal(out.tags?.['http.request.url'], 'https://billing.example.com/v1/charge');
    assert.deepEqual(out.contexts?.['http_response'], {
      method: 'POST',
      url: 'https://billing.example.com/v1/charge',
      error: 'Error: connect ECONNREFUSED 10.0.0.7:443',
    });
  });

  test('a plain Error adds nothing', () => {
    const out = run(new Error('x'));
    assert.deepEqual(out?.tags, { tenant: 'acme', owner: EMAIL, level: 'error' });
    assert.equal(out?.fingerprint, undefined);
  });
});

describe('createEventPipeline: masking', () => {
  const out = run(new Error(`order for ${MAIL} failed, card 4111111111111111`));

  test('exception values', () => {
    assert.deepEqual(
      out?.exception?.values?.map((v) => v.value),
      [`inner cause for ${EMAIL}`, `order for ${EMAIL} failed, card ${CARD}`],
    );
    assert.deepEqual(out?.exception?.values?.[1]?.mechanism, { type: 'onuncaughtexception', handled: false });
  });

  test('source context lines of every frame', () => {
    const event = makeEvent(new Error('x'));
    const frame = {
      filename: '/app/src/orders.js',
      lineno: 12,
      pre_context: ['const admin = "root@example.com";', 'const retries = 3;'],
      context_line: "  await charge({ card: '4111 1111 1111 1111', password: 'hunter2' });",
      post_context: ['}', `// ping ${MAIL}`],
    };
    const thrown = event.exception?.values?.[1];
    assert.ok(thrown);
    thrown.stacktrace = { frames: [{ filename: 'node:internal' }, frame] };
    const frames = run(new Error('x'), {}, event)?.exception?.values?.[1]?.stacktrace?.frames;
    assert.deepEqual(frames?.[0], { filename: 'node:internal' });
    assert.deepEqual(frames?.[1], {
      filename: '/app/src/orders.js',
      lineno: 12,
      pre_context: [`const admin = "${EMAIL}";`, 'const retries = 3;'],
      context_line: `  await charge({ card: '${CARD}', password: '${FILTERED}' });`,
      post_context: ['}', `// ping ${EMAIL}`],
    });
  });

  test('message, logentry and transaction', () => {
    const event: ErrorEvent = {
      type: undefined,
      message: `hello ${MAIL}`,
      logentry: { message: 'login by %s with %s', params: [MAIL, 'token=abc', 7] },
      transaction: `GET /users/${MAIL}`,
    };
    const masked = createEventPipeline().beforeSend(event, { originalException: new Error('x') });
    assert.equal(masked?.message, `hello ${EMAIL}`);
    assert.deepEqual(masked?.logentry, { message: 'login by %s with %s', params: [EMAIL, `token=${FILTERED}`, 7] });
    assert.ok(!masked?.transaction?.includes(MAIL));
  });

  test('breadcrumbs: message and data', () => {
    assert.equal(out?.breadcrumbs?.[0]?.message, `user ${EMAIL} logged in`);
    assert.deepEqual(out?.breadcrumbs?.[1]?.data, {
      url: `https://api.example.com/v1/charge?token=${FILTERED}&x=1`,
      method: 'POST',
      status_code: 402,
      api_key: FILTERED,
    });
    assert.equal(out?.breadcrumbs?.[1]?.category, 'http');
  });

  test('extra, into nested arrays', () => {
    assert.deepEqual(out?.extra, {
      order: { id: 'ord_1', lines: [[CARD], [{ contact: EMAIL }]] },
      client_secret: FILTERED,
      attempts: 3,
    });
  });

  test('custom contexts are masked, a sensitive context name is filtered whole', () => {
    assert.deepEqual(out?.contexts?.['billing'], { customer: EMAIL, plan: 'pro', password: FILTERED, history: [{ by: EMAIL }] });
    assert.deepEqual(out?.contexts?.['credentials'], { value: FILTERED });
  });

  test('SDK contexts (trace, runtime) are untouched', () => {
    assert.deepEqual(out?.contexts?.['trace'], { trace_id: TRACE_ID, span_id: 'b7ad6b7169203331', data: { 'enduser.email': MAIL } });
    assert.deepEqual(out?.contexts?.['runtime'], { name: 'node', version: 'v20.19.0' });
  });

  test('tags', () => {
    assert.deepEqual(out?.tags, { tenant: 'acme', owner: EMAIL, level: 'error' });
  });

  test('request: headers, url, query string and body', () => {
    const request = out?.request;
    assert.ok(request);
    assert.deepEqual(request.headers, {
      authorization: FILTERED,
      cookie: FILTERED,
      'x-api-key': FILTERED,
      'content-type': 'application/json',
      'x-forwarded-for-mail': EMAIL,
    });
    assert.equal(request.url, `https://shop.example.com/api/v1/orders?password=${FILTERED}&page=2`);
    assert.equal(request.query_string, `password=${FILTERED}&page=2`);
    assert.equal(request.method, 'POST');
    assert.deepEqual(request.data, { email: EMAIL, password: FILTERED, items: [{ sku: 'A-1', note: `gift for ${EMAIL}` }] });
  });

  test('a private key across the source context is masked whole, and each list keeps its length', () => {
    const event = makeEvent(new Error('x'));
    const frame = {
      filename: '/app/keys.js',
      pre_context: ['const a = 1;', 'const key = `-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'],
      context_line: 'BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
      post_context: ['-----END PRIVATE KEY-----`;', 'sign(key);'],
    };
    event.exception = { values: [{ type: 'Error', value: 'x', stacktrace: { frames: [frame] } }] };
    const masked = run(new Error('x'), {}, event)?.exception?.values?.[0]?.stacktrace?.frames?.[0];
    assert.deepEqual(masked, {
      filename: '/app/keys.js',
      pre_context: ['const a = 1;', `const key = \`${PRIVATE_KEY}`, ''],
      context_line: '',
      post_context: ['`;', 'sign(key);'],
    });
  });

  test('request: a JSON string body is masked by pattern', () => {
    const event = makeEvent(new Error('x'));
    event.request = { data: JSON.stringify({ email: MAIL, password: 'hunter2', n: 1 }) };
    const masked = run(new Error('x'), {}, event);
    assert.equal(masked?.request?.data, `{"email":"${EMAIL}","password":"${FILTERED}","n":1}`);
  });

  // `request.cookies` maps cookie names to values (`sid` → session id). 'cookies' is not a sensitive
  // key and cookie names rarely are, so the session id goes out as it is.
  test('request.cookies values are filtered', () => {
    assert.ok(!JSON.stringify(out?.request?.cookies).includes('s3ss10n'), JSON.stringify(out?.request?.cookies));
  });

  test('the user is kept as the app set it, but for its IP address', () => {
    assert.deepEqual(out?.user, { id: '42', email: MAIL });
  });

  test('an IP address in any other user field is masked', () => {
    const event = makeEvent(new Error('x'));
    event.user = { id: '7', username: 'from 10.0.0.1', data: { via: ['2001:db8::1', 'port 8080'] }, ip_address: '{{auto}}' };
    assert.deepEqual(run(new Error('x'), {}, event)?.user, { id: '7', username: 'from [IP]', data: { via: ['[IP]', 'port 8080'] } });
  });

  test('nothing personal is left outside trace and user', () => {
    assert.ok(out);
    const copy = structuredClone(out);
    delete copy.user;
    delete copy.contexts?.['trace'];
    const text = JSON.stringify(copy);
    for (const secret of [MAIL, 'hunter2', '4111111111111111', 'dXNlcjpwYXNz', 'k-123456', 'abc123', 'sk_live_1', 'cs_123']) {
      assert.ok(!text.includes(secret), `${secret} leaked`);
    }
  });

  test('an event without optional parts passes', () => {
    const event: ErrorEvent = { type: undefined, event_id: 'e1' };
    assert.deepEqual(createEventPipeline().beforeSend(event, {}), { type: undefined, event_id: 'e1' });
  });
});

describe('createEventPipeline: options', () => {
  test('scrubKeys adds sensitive keys', () => {
    const event = makeEvent(new Error('x'));
    event.extra = { tenant_ref: 'acme-42', TenantRef: 'acme-43', other: 'acme-44' };
    event.contexts = { tenant_ref: { id: 'x' } };
    const pipeline = createEventPipeline({ scrubKeys: ['tenant_ref'] });
    const out = pipeline.beforeSend(event, { originalException: new Error('x') });
    assert.deepEqual(out?.extra, { tenant_ref: FILTERED, TenantRef: FILTERED, other: 'acme-44' });
    assert.deepEqual(out?.contexts?.['tenant_ref'], { value: FILTERED });
    assert.equal(pipeline.isSensitive('tenant-ref'), true);
  });

  test('without scrubKeys the same key is kept', () => {
    const event = makeEvent(new Error('x'));
    event.extra = { tenant_ref: 'acme-42' };
    assert.deepEqual(run(new Error('x'), {}, event)?.extra, { tenant_ref: 'acme-42' });
    assert.equal(createEventPipeline().isSensitive('tenant_ref'), false);
  });
});
