/**
 * Trace propagation with Sentry-instrumented and OTel peers, both directions:
 * incoming `traceparent` and `sentry-trace`/`baggage` are continued; outgoing
 * http and fetch calls carry `traceparent`, `sentry-trace` and Sentry baggage.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startSink } from '../support/sink.js';
import type { Sink } from '../support/sink.js';
import { testFixtures } from '../support/runner.js';
import type { Fixture } from '../support/runner.js';

let downstream: Sink;
before(async () => {
  downstream = await startSink();
});
after(() => downstream.close());

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

const headersAt = (): Array<Record<string, string | undefined>> =>
  downstream.requests.splice(0).map((r) => ({
    traceparent: r.headers['traceparent'] as string | undefined,
    sentryTrace: r.headers['sentry-trace'] as string | undefined,
    baggage: r.headers['baggage'] as string | undefined,
    tracestate: r.headers['tracestate'] as string | undefined,
  }));

const propagation = (
  name: string,
  path: string,
  incoming: Record<string, string>,
  check: (h: Record<string, string | undefined>, traceId: string) => void,
  app: Pick<Fixture, 'app' | 'formats'> = { app: 'http-app' },
): Fixture => ({
  name,
  ...app,
  get env() {
    return { SENTRY_TRACES_SAMPLE_RATE: '1', DOWNSTREAM_URL: `http://127.0.0.1:${downstream.port}/downstream` };
  },
  traffic: async (proc) => {
    downstream.requests.splice(0);
    assert.match(
      (await proc.request('POST', path, { headers: { 'content-type': 'application/json', ...incoming }, body: '{}' })).body,
      /^called/,
    );
  },
  expect: async (sink, proc) => {
    proc.signal('SIGTERM');
    assert.equal((await proc.exited).code, 143);
    const [headers] = headersAt();
    assert.ok(headers, 'the downstream call did not arrive');
    const server = sink.spans.find((s) => s.kind === 2);
    assert.ok(server, 'no server span');
    check(headers, server.traceId);
    assert.ok(!proc.stderr().includes('SentryPropagator'), 'per-request propagator noise');
    assert.equal(proc.stderr().trim().split('\n').length, 1, proc.stderr());
  },
});

const ours = (h: Record<string, string | undefined>, traceId: string): void => {
  assert.match(String(h['traceparent']), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  assert.match(String(h['sentryTrace']), new RegExp(`^${traceId}-[0-9a-f]{16}-1$`));
  assert.equal(h['traceparent']?.split('-')[2], h['sentryTrace']?.split('-')[1], 'both headers name the same parent span');
};

testFixtures([
  propagation('outgoing http.request carries traceparent, sentry-trace and Sentry baggage', '/call', {}, (h, traceId) => {
    ours(h, traceId);
    for (const entry of [
      `sentry-trace_id=${traceId}`,
      'sentry-environment=development',
      'sentry-release=lightspeed-stack%401.2.3',
      'sentry-sampled=true',
      'sentry-sample_rate=1',
    ]) {
      assert.ok(h['baggage']?.includes(entry), `baggage lacks ${entry}: ${h['baggage']}`);
    }
  }),
  propagation('outgoing fetch carries traceparent, sentry-trace and Sentry baggage', '/fetch', {}, (h, traceId) => {
    ours(h, traceId);
    assert.ok(h['baggage']?.includes(`sentry-trace_id=${traceId}`), String(h['baggage']));
  }),
  propagation(
    'ESM named imports of node:http are traced and propagate (import-in-the-middle loader)',
    '/call',
    {},
    (h, traceId) => ours(h, traceId),
    { app: 'esm-named-imports', formats: ['mjs'] },
  ),
  propagation(
    'an incoming W3C traceparent is continued',
    '/call',
    { traceparent: `00-${TRACE}-${PARENT}-01`, baggage: 'tenant=acme' },
    (h, traceId) => {
      assert.equal(traceId, TRACE);
      ours(h, TRACE);
      assert.ok(h['baggage']?.startsWith('tenant=acme,'), `W3C baggage was not passed on: ${h['baggage']}`);
    },
  ),
  propagation(
    'an incoming sentry-trace and baggage are continued, with the head’s DSC passed on unchanged',
    '/call',
    {
      'sentry-trace': `${TRACE}-${PARENT}-1`,
      baggage: `sentry-trace_id=${TRACE},sentry-environment=upstream,sentry-public_key=upstreamkey,sentry-sampled=true`,
    },
    (h, traceId) => {
      assert.equal(traceId, TRACE);
      ours(h, TRACE);
      assert.ok(h['baggage']?.includes('sentry-environment=upstream'), String(h['baggage']));
      assert.ok(!h['baggage']?.includes('sentry-environment=development'), String(h['baggage']));
      assert.equal(h['baggage']?.match(/sentry-trace_id=/g)?.length, 1, 'Sentry entries were duplicated');
      assert.equal(h['tracestate'], undefined, 'the DSC leaked into tracestate');
    },
  ),
]);
