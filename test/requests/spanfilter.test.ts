import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Context, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DropReason } from '../../src/events/noise.js';
import { HealthRouteGuard } from '../../src/requests/spanfilter.js';

const { SERVER, CLIENT, INTERNAL } = SpanKind;

/** Records every call, by span name. */
class RecordingProcessor implements SpanProcessor {
  readonly started: string[] = [];
  readonly ending: string[] = [];
  readonly ended: string[] = [];
  flushes = 0;
  shutdowns = 0;

  onStart(span: Span, _parentContext: Context): void {
    this.started.push(span.name);
  }
  onEnding(span: Span): void {
    this.ending.push(span.name);
  }
  onEnd(span: ReadableSpan): void {
    this.ended.push(span.name);
  }
  forceFlush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }
}

/** Just the fields the guard reads; the same object serves as Span (start) and ReadableSpan (end). */
interface FakeSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  spanContext(): SpanContext;
}

let nextSpanId = 1;
function fakeSpan(traceId: string, name: string, kind: SpanKind, attributes: Attributes = {}): FakeSpan & Span & ReadableSpan {
  const context: SpanContext = { traceId, spanId: (nextSpanId++).toString(16).padStart(16, '0'), traceFlags: TraceFlags.SAMPLED };
  const span: FakeSpan = { name, kind, attributes, spanContext: () => context };
  // The guard reads only name, kind, attributes and spanContext(); a full SDK span would add nothing here.
  return span as FakeSpan & Span & ReadableSpan;
}

const traceId = (n: number): string => n.toString(16).padStart(32, '0');

function setup(): { guard: HealthRouteGuard; inner: RecordingProcessor; drops: Array<{ reason: DropReason; what: string }> } {
  const inner = new RecordingProcessor();
  const drops: Array<{ reason: DropReason; what: string }> = [];
  const guard = new HealthRouteGuard(inner, { record: (reason, what) => void drops.push({ reason, what }) });
  return { guard, inner, drops };
}

/** A server root with two children that end after it started; the root ends last. */
function runTrace(guard: HealthRouteGuard, id: string, method: string, path: string | undefined): void {
  const root = fakeSpan(
    id,
    `${method} ${path ?? '?'}`,
    SERVER,
    path === undefined ? { 'http.request.method': method } : { 'http.request.method': method, 'url.path': path },
  );
  const child = fakeSpan(id, 'db.query', CLIENT);
  const grandchild = fakeSpan(id, 'serialize', INTERNAL);
  guard.onStart(root, ROOT_CONTEXT);
  guard.onStart(child, ROOT_CONTEXT);
  guard.onStart(grandchild, ROOT_CONTEXT);
  guard.onEnd(grandchild);
  guard.onEnd(child);
  guard.onEnd(root);
}

describe('HealthRouteGuard', () => {
  const excluded = ['/readiness', '/liveness', '/metrics', '/', '/metrics/', '/liveness?x=1', '/readiness#top', '//'];
  for (const path of excluded) {
    test(`a SERVER span on ${path} drops its whole trace, counted once`, () => {
      const { guard, inner, drops } = setup();
      runTrace(guard, traceId(1), 'GET', path);
      assert.deepEqual(inner.ended, [], 'no span of the trace reaches onEnd');
      assert.ok(!inner.started.includes(`GET ${path}`), 'the root does not reach onStart');
      assert.deepEqual(drops, [{ reason: 'health-route', what: `span GET ${path}` }]);
    });
  }

  const kept: Array<{ name: string; path: string | undefined }> = [
    { name: 'an API route', path: '/api/v1/query' },
    { name: 'a route that starts like a health route', path: '/readiness-report' },
    { name: 'a nested metrics path', path: '/api/metrics' },
    { name: 'a case variant', path: '/Readiness' },
    { name: 'no url.path', path: undefined },
  ];
  for (const c of kept) {
    test(`${c.name} (${String(c.path)}) passes through`, () => {
      const { guard, inner, drops } = setup();
      runTrace(guard, traceId(2), 'POST', c.path);
      assert.deepEqual(inner.started, [`POST ${c.path ?? '?'}`, 'db.query', 'serialize']);
      assert.deepEqual(inner.ended, ['serialize', 'db.query', `POST ${c.path ?? '?'}`]);
      assert.deepEqual(drops, []);
    });
  }

  test('only SERVER spans decide: a CLIENT span to /metrics passes', () => {
    const { guard, inner, drops } = setup();
    const span = fakeSpan(traceId(3), 'GET', CLIENT, { 'url.path': '/metrics' });
    guard.onStart(span, ROOT_CONTEXT);
    guard.onEnd(span);
    assert.deepEqual(inner.ended, ['GET']);
    assert.deepEqual(drops, []);
  });

  test('a non-string url.path passes', () => {
    const { guard, inner } = setup();
    const span = fakeSpan(traceId(4), 'odd', SERVER, { 'url.path': 42 });
    guard.onStart(span, ROOT_CONTEXT);
    guard.onEnd(span);
    assert.deepEqual(inner.ended, ['odd']);
  });

  test('other traces, interleaved with a dropped one, pass through', () => {
    const { guard, inner, drops } = setup();
    const health = fakeSpan(traceId(10), 'GET /readiness', SERVER, { 'url.path': '/readiness' });
    const api = fakeSpan(traceId(11), 'POST /api', SERVER, { 'url.path': '/api' });
    const healthChild = fakeSpan(traceId(10), 'check db', CLIENT);
    const apiChild = fakeSpan(traceId(11), 'db.query', CLIENT);
    for (const s of [health, api, healthChild, apiChild]) guard.onStart(s, ROOT_CONTEXT);
    for (const s of [apiChild, healthChild, api, health]) guard.onEnd(s);
    assert.deepEqual(inner.ended, ['db.query', 'POST /api']);
    assert.deepEqual(drops, [{ reason: 'health-route', what: 'span GET /readiness' }]);
  });

  test('a child that ends after the dropped root is still dropped', () => {
    const { guard, inner } = setup();
    const root = fakeSpan(traceId(12), 'GET /liveness', SERVER, { 'url.path': '/liveness' });
    const late = fakeSpan(traceId(12), 'late work', INTERNAL);
    guard.onStart(root, ROOT_CONTEXT);
    guard.onStart(late, ROOT_CONTEXT);
    guard.onEnd(root);
    guard.onEnd(late);
    assert.deepEqual(inner.ended, []);
  });

  test('the tracked set is bounded: after 1024 newer dropped traces the first is forgotten', () => {
    const { guard, inner, drops } = setup();
    const first = traceId(100_000);
    guard.onStart(fakeSpan(first, 'GET /metrics', SERVER, { 'url.path': '/metrics' }), ROOT_CONTEXT);
    const second = traceId(100_001);
    guard.onStart(fakeSpan(second, 'GET /metrics', SERVER, { 'url.path': '/metrics' }), ROOT_CONTEXT);

    // Still tracked after 1022 more: 1024 in all.
    for (let i = 0; i < 1022; i++) guard.onStart(fakeSpan(traceId(i + 1), 'GET /', SERVER, { 'url.path': '/' }), ROOT_CONTEXT);
    guard.onEnd(fakeSpan(first, 'early child', INTERNAL));
    assert.deepEqual(inner.ended, []);

    // One more evicts the oldest, and only it.
    guard.onStart(fakeSpan(traceId(5000), 'GET /', SERVER, { 'url.path': '/' }), ROOT_CONTEXT);
    guard.onEnd(fakeSpan(first, 'late child', INTERNAL));
    guard.onEnd(fakeSpan(second, 'other child', INTERNAL));
    assert.deepEqual(inner.ended, ['late child']);
    assert.deepEqual(drops, []);
  });

  test('onEnding, forceFlush and shutdown are forwarded', async () => {
    const { guard, inner } = setup();
    guard.onEnding(fakeSpan(traceId(20), 'x', INTERNAL));
    await guard.forceFlush();
    await guard.shutdown();
    assert.deepEqual(inner.ending, ['x']);
    assert.equal(inner.flushes, 1);
    assert.equal(inner.shutdowns, 1);
  });

  test('works without a ledger', () => {
    const inner = new RecordingProcessor();
    const guard = new HealthRouteGuard(inner);
    const root = fakeSpan(traceId(21), 'GET /readiness', SERVER, { 'url.path': '/readiness' });
    guard.onStart(root, ROOT_CONTEXT);
    guard.onEnd(root);
    assert.deepEqual(inner.ended, []);
  });
});
