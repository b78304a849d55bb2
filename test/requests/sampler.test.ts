import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { DEFERRED_SAMPLING, EXCLUDED_PATHS, isTraceableRequest, LightspeedSampler, normalizePath } from '../../src/requests/sampler.js';

const { NOT_RECORD, RECORD_AND_SAMPLED } = SamplingDecision;
const { SERVER, CLIENT, INTERNAL, PRODUCER, CONSUMER } = SpanKind;
const PARENT_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';
const API = '/api/v1/query';

const randomTraceId = (): string => randomBytes(16).toString('hex');

/** `remote deferred` is what the propagator gives for a `sentry-trace` without a decision. */
type Parent = 'no' | 'local sampled' | 'local unsampled' | 'remote sampled' | 'remote unsampled' | 'remote deferred';

function parentContext(parent: Parent): Context {
  if (parent === 'no') return ROOT_CONTEXT;
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: PARENT_TRACE_ID,
    spanId: PARENT_SPAN_ID,
    isRemote: parent.startsWith('remote'),
    traceFlags: parent.endsWith(' sampled') ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });
  return parent === 'remote deferred' ? ctx.setValue(DEFERRED_SAMPLING, true) : ctx;
}

function request(method: string | number | undefined, path: string | undefined): Attributes {
  const attributes: Attributes = {};
  if (method !== undefined) attributes['http.request.method'] = method;
  if (path !== undefined) attributes['url.path'] = path;
  return attributes;
}

function decide(
  sampler: LightspeedSampler,
  ctx: Context,
  kind: SpanKind,
  attributes: Attributes,
  traceId = randomTraceId(),
): SamplingDecision {
  return sampler.shouldSample(ctx, traceId, 'span', kind, attributes, []).decision;
}

interface Case {
  parent: Parent;
  kind: SpanKind;
  method?: string | number;
  path?: string;
  ratio: number;
  expected: SamplingDecision;
}

/** An incoming POST without a parent, at ratio 1: only eligibility decides. */
const rootPost = (path: string, expected: SamplingDecision): Case => ({
  parent: 'no',
  kind: SERVER,
  method: 'POST',
  path,
  ratio: 1,
  expected,
});

describe('LightspeedSampler.shouldSample', () => {
  const cases: Case[] = [
    // Root SERVER spans, ratio 1: method and path alone decide.
    { parent: 'no', kind: SERVER, method: 'POST', path: API, ratio: 1, expected: RECORD_AND_SAMPLED },
    { parent: 'no', kind: SERVER, method: 'post', path: API, ratio: 1, expected: RECORD_AND_SAMPLED },
    { parent: 'no', kind: SERVER, method: 'GET', path: API, ratio: 1, expected: NOT_RECORD },
    { parent: 'no', kind: SERVER, method: 'PUT', path: API, ratio: 1, expected: NOT_RECORD },
    { parent: 'no', kind: SERVER, path: API, ratio: 1, expected: NOT_RECORD },
    { parent: 'no', kind: SERVER, method: 1, path: API, ratio: 1, expected: NOT_RECORD },
    { parent: 'no', kind: SERVER, method: 'POST', ratio: 1, expected: NOT_RECORD },
    ...['/readiness', '/liveness', '/metrics', '/', '/readiness/', '/liveness//', '/readiness?x=1', '/metrics/?a=b', '/#top', ''].map(
      (path) => rootPost(path, NOT_RECORD),
    ),
    ...['/readiness-check', '/metrics/custom', '/api/liveness', '/Readiness'].map((path) => rootPost(path, RECORD_AND_SAMPLED)),

    // Roots that are not incoming requests are never traced.
    ...[CLIENT, INTERNAL, PRODUCER, CONSUMER].map((kind): Case => ({ ...rootPost(API, NOT_RECORD), kind })),

    // Local parents: inherit, whatever the kind, attributes or ratio.
    { parent: 'local sampled', kind: CLIENT, method: 'GET', path: '/readiness', ratio: 0, expected: RECORD_AND_SAMPLED },
    { parent: 'local sampled', kind: INTERNAL, ratio: 0, expected: RECORD_AND_SAMPLED },
    { parent: 'local unsampled', kind: SERVER, method: 'POST', path: API, ratio: 1, expected: NOT_RECORD },
    { parent: 'local unsampled', kind: CLIENT, method: 'POST', path: API, ratio: 1, expected: NOT_RECORD },

    // Remote parents on an eligible request: the peer decides, not the ratio.
    { parent: 'remote sampled', kind: SERVER, method: 'POST', path: API, ratio: 0, expected: RECORD_AND_SAMPLED },
    { parent: 'remote unsampled', kind: SERVER, method: 'POST', path: API, ratio: 1, expected: NOT_RECORD },

    // Remote parents on an ineligible request: never.
    { parent: 'remote sampled', kind: SERVER, method: 'GET', path: API, ratio: 1, expected: NOT_RECORD },
    { parent: 'remote sampled', kind: SERVER, method: 'POST', path: '/readiness', ratio: 1, expected: NOT_RECORD },
    { parent: 'remote sampled', kind: CLIENT, method: 'POST', path: API, ratio: 1, expected: NOT_RECORD },

    // A remote parent that left the decision to us: the ratio decides.
    { parent: 'remote deferred', kind: SERVER, method: 'POST', path: API, ratio: 1, expected: RECORD_AND_SAMPLED },
    { parent: 'remote deferred', kind: SERVER, method: 'POST', path: API, ratio: 0, expected: NOT_RECORD },
    { parent: 'remote deferred', kind: SERVER, method: 'GET', path: API, ratio: 1, expected: NOT_RECORD },
  ];

  for (const c of cases) {
    const req = `${c.method ?? '(no method)'} ${c.path === undefined ? '(no path)' : JSON.stringify(c.path)}`;
    test(`${c.parent} parent, ${SpanKind[c.kind]} ${req}, ratio ${c.ratio} -> ${SamplingDecision[c.expected]}`, () => {
      const sampler = new LightspeedSampler(c.ratio);
      // Several trace ids: a decision that should not depend on the ratio must hold for all of them.
      for (let i = 0; i < 20; i++) {
        assert.equal(decide(sampler, parentContext(c.parent), c.kind, request(c.method, c.path)), c.expected);
      }
    });
  }
});

describe('LightspeedSampler ratios', () => {
  const N = 4000;
  const traceIds = Array.from({ length: N }, randomTraceId);
  const decideRoot = (sampler: LightspeedSampler, traceId: string): SamplingDecision =>
    decide(sampler, ROOT_CONTEXT, SERVER, request('POST', API), traceId);

  const extremes: Array<{ ratio: number; expected: SamplingDecision }> = [
    { ratio: 0, expected: NOT_RECORD },
    { ratio: 1, expected: RECORD_AND_SAMPLED },
  ];
  for (const { ratio, expected } of extremes) {
    test(`ratio ${ratio}: every eligible root is ${SamplingDecision[expected]}`, () => {
      const sampler = new LightspeedSampler(ratio);
      const decisions = new Set(traceIds.map((id) => decideRoot(sampler, id)));
      assert.deepEqual([...decisions], [expected]);
    });
  }

  test('ratio 0.25 is deterministic per trace id', () => {
    const a = new LightspeedSampler(0.25);
    const b = new LightspeedSampler(0.25);
    for (const id of traceIds.slice(0, 500)) {
      const first = decideRoot(a, id);
      assert.equal(decideRoot(a, id), first);
      assert.equal(decideRoot(b, id), first, 'another instance (another service) agrees');
    }
  });

  test('ratio 0.25 samples a quarter of random trace ids (within 5 standard deviations)', () => {
    const p = 0.25;
    const sampler = new LightspeedSampler(p);
    const sampled = traceIds.filter((id) => decideRoot(sampler, id) === RECORD_AND_SAMPLED).length;
    const mean = N * p;
    const tolerance = 5 * Math.sqrt(N * p * (1 - p)); // about 137 for N = 4000
    assert.ok(Math.abs(sampled - mean) <= tolerance, `sampled ${sampled} of ${N}; expected ${mean} ± ${tolerance.toFixed(0)}`);
  });

  const clamped: Array<{ input: number; ratio: number }> = [
    { input: -1, ratio: 0 },
    { input: 2, ratio: 1 },
    { input: NaN, ratio: 0 },
    { input: 0.5, ratio: 0.5 },
  ];
  for (const c of clamped) {
    test(`ratio ${c.input} is clamped to ${c.ratio}`, () => {
      const sampler = new LightspeedSampler(c.input);
      assert.equal(sampler.ratio, c.ratio);
      assert.equal(sampler.toString(), `LightspeedSampler{POST,ratio=${c.ratio}}`);
    });
  }

  test('a clamped ratio 2 samples everything and -1 nothing', () => {
    const all = new LightspeedSampler(2);
    const none = new LightspeedSampler(-1);
    for (const id of traceIds.slice(0, 200)) {
      assert.equal(decideRoot(all, id), RECORD_AND_SAMPLED);
      assert.equal(decideRoot(none, id), NOT_RECORD);
    }
  });

  test('toString', () => {
    assert.equal(new LightspeedSampler(0.25).toString(), 'LightspeedSampler{POST,ratio=0.25}');
  });
});

describe('isTraceableRequest', () => {
  const cases: Array<{ method: unknown; path: unknown; expected: boolean }> = [
    { method: 'POST', path: '/v1/query', expected: true },
    { method: 'Post', path: '/v1/query?stream=true', expected: true },
    { method: 'GET', path: '/v1/query', expected: false },
    { method: 'PATCH', path: '/v1/query', expected: false },
    { method: undefined, path: '/v1/query', expected: false },
    { method: 'POST', path: undefined, expected: false },
    { method: 'POST', path: 42, expected: false },
    { method: 'POST', path: '/liveness?probe=1', expected: false },
    { method: 'POST', path: '/metrics/', expected: false },
    { method: 'POST', path: '/', expected: false },
  ];
  for (const c of cases) {
    test(`${String(c.method)} ${String(c.path)} -> ${c.expected}`, () => {
      assert.equal(isTraceableRequest(c.method, c.path), c.expected);
    });
  }

  test('every listed excluded path is excluded', () => {
    for (const path of EXCLUDED_PATHS) assert.equal(isTraceableRequest('POST', path), false, path);
  });
});

describe('normalizePath', () => {
  const cases: Array<[string, string]> = [
    ['/liveness/?x=1', '/liveness'],
    ['/readiness?x=1', '/readiness'],
    ['/metrics#frag', '/metrics'],
    ['/api/v1/', '/api/v1'],
    ['/api//', '/api'],
    ['/api/v1', '/api/v1'],
    ['/', '/'],
    ['//', '/'],
    ['', '/'],
    ['?x=1', '/'],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizePath(input), expected);
    });
  }
});
