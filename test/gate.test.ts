/**
 * The dropped-request fast path: with the real OTel http instrumentation in
 * place, a request the sampler would drop never enters OTel's wrapper, and one
 * it may keep still does.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { gateEmit } from '../src/gate.js';
import { initTestSentry } from '../src/testing.js';
import type { CapturedSentry } from '../src/testing.js';

test('gateEmit sends traceable requests one way and everything else the other', () => {
  const calls: string[] = [];
  const emit = gateEmit(
    (event) => (calls.push(`plain ${String(event)}`), true),
    (event) => (calls.push(`traced ${String(event)}`), true),
    (method, url) => method === 'POST' && url !== '/readiness',
  );
  emit.call(null, 'request', { method: 'POST', url: '/work' });
  emit.call(null, 'request', { method: 'GET', url: '/work' });
  emit.call(null, 'request', { method: 'POST', url: '/readiness' });
  emit.call(null, 'listening');
  assert.deepEqual(calls, ['traced request', 'plain request', 'plain request', 'plain listening']);
});

let sentry: CapturedSentry;
let server: Server;
let base: string;
const seen: Array<{ path: string; span: boolean; suppressed: boolean }> = [];

before(async () => {
  sentry = await initTestSentry({ env: { SENTRY_TRACES_SAMPLE_RATE: '1' } });
  server = createServer((req, res) => {
    seen.push({
      path: `${req.method} ${req.url}`,
      span: trace.getActiveSpan() !== undefined,
      suppressed: isTracingSuppressed(context.active()),
    });
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.close();
  await sentry.close();
});

test('a dropped request skips OTel entirely; a traceable one gets its span', async () => {
  await fetch(`${base}/work`);
  await fetch(`${base}/work`, { method: 'POST', body: '{}' });
  await fetch(`${base}/readiness`, { method: 'POST', body: '{}' });
  await sentry.flush();
  // OTel's own ignore path would have entered a suppressed context: the gate enters none.
  assert.deepEqual(seen, [
    { path: 'GET /work', span: false, suppressed: false },
    { path: 'POST /work', span: true, suppressed: false },
    { path: 'POST /readiness', span: false, suppressed: false },
  ]);
  assert.deepEqual(
    sentry.spans.filter((s) => s.kind === SpanKind.SERVER).map((s) => s.name),
    ['POST /work'],
  );
});
