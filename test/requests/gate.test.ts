/**
 * The dropped-request fast path, with the real OTel http instrumentation in
 * place: requests the sampler would drop never enter OTel's wrapper, kept ones
 * do, and either way the next service hears the decision.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { gateEmit, HeadIds } from '../../src/requests/gate.js';
import { initTestSentry } from '../../src/testing/testing.js';
import type { CapturedSentry } from '../../src/testing/testing.js';

test('gateEmit sends traceable requests one way and everything else the other', () => {
  const calls: string[] = [];
  const emit = gateEmit(
    (event) => (calls.push(`plain ${String(event)}`), true),
    (event) => (calls.push(`traced ${String(event)}`), true),
    (method, url) => method === 'POST' && url !== '/readiness',
  );
  emit.call(null, 'request', { method: 'POST', url: '/work', headers: {} });
  emit.call(null, 'request', { method: 'GET', url: '/work', headers: {} });
  emit.call(null, 'request', { method: 'POST', url: '/readiness', headers: {} });
  emit.call(null, 'listening');
  assert.deepEqual(calls, ['traced request', 'plain request', 'plain request', 'plain listening']);
});

test('HeadIds hands a trace id over for exactly one call, then draws random ones again', () => {
  const ids = new HeadIds();
  const given = 'a'.repeat(32);
  assert.equal(
    ids.handOver(given, () => ids.generateTraceId()),
    given,
  );
  assert.notEqual(
    ids.handOver(given, () => (ids.generateTraceId(), ids.generateTraceId())),
    given,
  );
  assert.throws(() => ids.handOver(given, () => assert.fail('boom')));
  assert.match(ids.generateTraceId(), /^[0-9a-f]{32}$/);
  assert.notEqual(ids.generateTraceId(), given);
});

interface Seen {
  readonly path: string;
  readonly traceId: string | undefined;
  readonly recording: boolean;
  readonly suppressed: boolean;
  readonly downstream: IncomingHttpHeaders;
}

/** A service that calls a downstream one from every request, as most do. */
async function startService(): Promise<{ base: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const downstream = createServer((_req, res) => res.end());
  downstream.listen(0, '127.0.0.1');
  await once(downstream, 'listening');
  const downstreamPort = (downstream.address() as AddressInfo).port;
  const server: Server = createServer((req, res) => {
    const span = trace.getActiveSpan();
    const facts = { path: `${req.method} ${req.url}`, traceId: span?.spanContext().traceId, recording: span?.isRecording() ?? false };
    const suppressed = isTracingSuppressed(context.active());
    downstream.once('request', (inner) => {
      seen.push({ ...facts, suppressed, downstream: inner.headers });
    });
    http
      .request({ port: downstreamPort, host: '127.0.0.1', path: '/next' }, (r) => {
        r.resume();
        r.on('end', () => res.end('ok'));
      })
      .end();
    req.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      server.close();
      downstream.close();
      await Promise.all([once(server, 'close'), once(downstream, 'close')]);
    },
  };
}

for (const rate of ['1', '0'] as const) {
  describe(`SENTRY_TRACES_SAMPLE_RATE=${rate}`, () => {
    let sentry: CapturedSentry;
    let service: Awaited<ReturnType<typeof startService>>;
    before(async () => {
      sentry = await initTestSentry({ env: { SENTRY_TRACES_SAMPLE_RATE: rate } });
      service = await startService();
    });
    after(async () => {
      await service.close();
      await sentry.close();
    });

    test('a GET skips OTel entirely: no span, no suppressed context, no trace headers downstream', async () => {
      await fetch(`${service.base}/work`);
      const [get] = service.seen.splice(0);
      // OTel's own ignore path would have entered a suppressed context: the gate enters none.
      assert.deepEqual(
        { ...get, downstream: undefined },
        { path: 'GET /work', traceId: undefined, recording: false, suppressed: false, downstream: undefined },
      );
      assert.equal(get?.downstream['traceparent'], undefined);
      assert.equal(get?.downstream['sentry-trace'], undefined);
    });

    test('a POST that starts a trace is decided once, and the next service hears the decision', async () => {
      sentry.reset();
      await fetch(`${service.base}/work`, { method: 'POST', body: '{}' });
      await sentry.flush();
      const [post] = service.seen.splice(0);
      assert.ok(post?.traceId, 'the handler runs in a span context');
      const flag = rate === '1' ? '01' : '00';
      assert.match(String(post.downstream['traceparent']), new RegExp(`^00-${post.traceId}-[0-9a-f]{16}-${flag}$`));
      assert.match(String(post.downstream['sentry-trace']), new RegExp(`^${post.traceId}-[0-9a-f]{16}-${rate}$`));
      assert.equal(post.recording, rate === '1');
      const servers = sentry.spans.filter((s) => s.kind === SpanKind.SERVER);
      assert.deepEqual(
        servers.map((s) => [s.name, s.traceId]),
        rate === '1' ? [['POST /work', post.traceId]] : [],
      );
    });

    test('a POST from a traced peer follows the peer, whatever the local rate', async () => {
      sentry.reset();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await fetch(`${service.base}/work`, { method: 'POST', body: '{}', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      await sentry.flush();
      const [post] = service.seen.splice(0);
      assert.equal(post?.traceId, traceId);
      assert.equal(post?.recording, true);
      assert.match(String(post?.downstream['traceparent']), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    });
  });
}
