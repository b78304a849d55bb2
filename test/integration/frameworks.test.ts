/**
 * Express 5 and Fastify 5 apps, unchanged: route-named spans, and errors in
 * route handlers captured with release, environment and the request's trace.
 */
import assert from 'node:assert/strict';
import { testFixtures } from '../support/runner.js';
import type { Fixture } from '../support/runner.js';

const JSON_BODY = { headers: { 'content-type': 'application/json', cookie: 'session=s3cret', 'x-api-key': 'k3y' }, body: '{"card":"x"}' };

const framework = (app: string, mechanism: string): Fixture => ({
  name: `${app}: route-named spans and route errors linked to the request trace`,
  app,
  env: { SENTRY_TRACES_SAMPLE_RATE: '1' },
  traffic: async (proc, sink) => {
    assert.equal((await proc.request('POST', '/users/42?token=abc', JSON_BODY)).status, 200);
    assert.equal((await proc.request('GET', '/users/42')).status, 200);
    // A 4xx is the client's error: answered, never captured. Sent first, so its event would arrive before the others.
    assert.equal((await proc.request('POST', '/bad/1', JSON_BODY)).status, 400);
    assert.equal((await proc.request('POST', '/async-fail/3', JSON_BODY)).status, 500);
    assert.equal((await proc.request('POST', '/fail/7?token=abc', JSON_BODY)).status, 500);
    await sink.waitFor('the two route error events', (s) => s.events().length === 2);
  },
  expect: async (sink, proc) => {
    proc.signal('SIGTERM');
    assert.equal((await proc.exited).code, 143);
    const server = sink.spans.filter((s) => s.kind === 2);
    // Sentry's transport suppresses tracing for its uploads (@sentry/node 11.12): no client spans for them.
    assert.equal(server.length, sink.spans.length, `unexpected spans: ${sink.spans.map((s) => s.name).join(', ')}`);
    assert.deepEqual(server.map((s) => s.name).sort(), ['POST /async-fail/:id', 'POST /bad/:id', 'POST /fail/:id', 'POST /users/:id']);
    assert.ok(server.every((s) => typeof s.attributes['http.route'] === 'string'));

    // Everything is flushed by now: exactly one event per 5xx, none for the 400, no duplicates.
    const events = sink.events() as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- event JSON is untyped
    assert.deepEqual(events.map((e) => e['transaction']).sort(), ['POST /async-fail/:id', 'POST /fail/:id']);
    for (const e of events) assert.equal(e['exception']?.values?.at(-1)?.mechanism?.handled, false);
    const event = events.find((e) => e['transaction'] === 'POST /fail/:id');
    assert.ok(event);
    const failSpan = server.find((s) => s.name === 'POST /fail/:id');
    assert.equal(event['contexts']?.trace?.trace_id, failSpan?.traceId, 'event is not linked to the request trace');
    assert.equal(event['release'], 'lightspeed-stack@1.2.3');
    assert.equal(event['environment'], 'development');
    assert.equal(event['exception']?.values?.[0]?.mechanism?.type, mechanism);
    assert.equal(event['request']?.method, 'POST');
    assert.match(String(event['request']?.url), /\/fail\/7$/);
    assert.equal(event['request']?.headers, undefined);
    assert.equal(event['request']?.cookies, undefined);
    assert.equal(event['user'], undefined);
    const text = sink.requests.map((r) => r.body).join('\n');
    for (const secret of ['s3cret', 'k3y', 'token=abc', 'ip_address', 'client.address', 'network.peer.address']) {
      assert.ok(!text.includes(secret), `${secret} reached the sink`);
    }
  },
});

testFixtures([framework('express-app', 'auto.http.express'), framework('fastify-app', 'auto.function.fastify')]);
