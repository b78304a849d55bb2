import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, SpanContext } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { SentryTracePropagator } from '../../src/requests/propagation.js';
import type { HeadDsc } from '../../src/requests/propagation.js';
import { DEFERRED_SAMPLING } from '../../src/requests/sampler.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const CHILD_SPAN_ID = '00f067aa0ba902b7';
const HEAD: HeadDsc = { public_key: 'f00dfeed', environment: 'production', release: 'lightspeed-stack@1.2.3', sample_rate: '0.25' };

type Carrier = Record<string, string | string[]>;

const propagator = new SentryTracePropagator(HEAD);

function withSpan(spanContext: Partial<SpanContext>, ctx: Context = ROOT_CONTEXT): Context {
  return trace.setSpanContext(ctx, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: false, ...spanContext });
}

function inject(ctx: Context): Carrier {
  const carrier: Carrier = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

function extract(carrier: Carrier, ctx: Context = ROOT_CONTEXT): Context {
  return propagator.extract(ctx, carrier, defaultTextMapGetter);
}

/** Baggage as ordered [key, value] pairs, values decoded. */
function baggageEntries(header: string | string[] | undefined): Array<[string, string]> {
  assert.equal(typeof header, 'string', 'one baggage header');
  return (header as string).split(',').map((member) => {
    const [key = '', value = ''] = member.split('=');
    return [key.trim(), decodeURIComponent(value.trim())];
  });
}

describe('SentryTracePropagator.inject', () => {
  const cases: Array<{ name: string; flags: TraceFlags; sampled: '1' | '0' }> = [
    { name: 'sampled span', flags: TraceFlags.SAMPLED, sampled: '1' },
    { name: 'unsampled span', flags: TraceFlags.NONE, sampled: '0' },
  ];
  for (const c of cases) {
    test(`${c.name}: sentry-trace and head-of-trace baggage`, () => {
      const carrier = inject(withSpan({ traceFlags: c.flags }));
      assert.equal(carrier['sentry-trace'], `${TRACE_ID}-${SPAN_ID}-${c.sampled}`);
      assert.deepEqual(Object.fromEntries(baggageEntries(carrier['baggage'])), {
        'sentry-trace_id': TRACE_ID,
        'sentry-public_key': 'f00dfeed',
        'sentry-environment': 'production',
        'sentry-release': 'lightspeed-stack@1.2.3',
        'sentry-sample_rate': '0.25',
        'sentry-sampled': c.sampled === '1' ? 'true' : 'false',
      });
    });
  }

  const nothing: Array<{ name: string; ctx: Context }> = [
    { name: 'no span context', ctx: ROOT_CONTEXT },
    { name: 'an invalid trace id', ctx: withSpan({ traceId: '0'.repeat(32) }) },
    { name: 'an invalid span id', ctx: withSpan({ spanId: '0'.repeat(16) }) },
    { name: 'suppressed tracing', ctx: suppressTracing(withSpan({})) },
  ];
  for (const c of nothing) {
    test(`injects nothing for ${c.name}`, () => {
      assert.deepEqual(inject(c.ctx), {});
    });
  }

  test('non-Sentry baggage in the context is kept next to ours', () => {
    const bag = propagation.createBaggage({ tenant: { value: 'acme' } });
    const carrier = inject(propagation.setBaggage(withSpan({}), bag));
    const entries = baggageEntries(carrier['baggage']);
    assert.deepEqual(entries[0], ['tenant', 'acme']);
    assert.ok(entries.some(([k, v]) => k === 'sentry-trace_id' && v === TRACE_ID));
  });

  test('fields', () => {
    assert.deepEqual(propagator.fields(), ['sentry-trace', 'baggage']);
  });
});

describe('SentryTracePropagator.extract', () => {
  const cases: Array<{ name: string; header: string | string[]; flags: TraceFlags; deferred: boolean }> = [
    { name: 'sampled', header: `${TRACE_ID}-${SPAN_ID}-1`, flags: TraceFlags.SAMPLED, deferred: false },
    { name: 'unsampled', header: `${TRACE_ID}-${SPAN_ID}-0`, flags: TraceFlags.NONE, deferred: false },
    { name: 'no decision', header: `${TRACE_ID}-${SPAN_ID}`, flags: TraceFlags.NONE, deferred: true },
    { name: 'header given as an array', header: [`${TRACE_ID}-${SPAN_ID}-1`], flags: TraceFlags.SAMPLED, deferred: false },
  ];
  for (const c of cases) {
    test(`${c.name}: a remote span context${c.deferred ? ' with DEFERRED_SAMPLING' : ''}`, () => {
      const ctx = extract({ 'sentry-trace': c.header });
      assert.deepEqual(trace.getSpanContext(ctx), { traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true, traceFlags: c.flags });
      assert.equal(ctx.getValue(DEFERRED_SAMPLING), c.deferred ? true : undefined);
    });
  }

  const invalid = ['garbage', `${TRACE_ID}-${SPAN_ID}-1-extra`, `${TRACE_ID.slice(1)}-${SPAN_ID}-1`, ''];
  for (const header of invalid) {
    test(`invalid sentry-trace ${JSON.stringify(header)}: no span context, baggage still read`, () => {
      const ctx = extract({ 'sentry-trace': header, baggage: 'foo=bar' });
      assert.equal(trace.getSpanContext(ctx), undefined);
      assert.equal(ctx.getValue(DEFERRED_SAMPLING), undefined);
      assert.equal(propagation.getBaggage(ctx)?.getEntry('foo')?.value, 'bar');
    });
  }

  test('no sentry-trace header: the context is returned with baggage only', () => {
    const ctx = extract({ baggage: 'foo=bar' });
    assert.equal(trace.getSpanContext(ctx), undefined);
    assert.equal(propagation.getBaggage(ctx)?.getEntry('foo')?.value, 'bar');
  });
});

describe('SentryTracePropagator round trip', () => {
  /** Extracts, starts a local child span, and injects from it: what an outgoing call sends. */
  function relay(incoming: Carrier): Carrier {
    const extracted = extract(incoming);
    const parent = trace.getSpanContext(extracted);
    assert.ok(parent, 'the incoming header was understood');
    return inject(trace.setSpanContext(extracted, { ...parent, spanId: CHILD_SPAN_ID, isRemote: false }));
  }

  const incomingSentry: Array<[string, string]> = [
    ['sentry-trace_id', TRACE_ID],
    ['sentry-public_key', 'their-key'],
    ['sentry-environment', 'staging'],
    ['sentry-release', 'frontend@9.0.0'],
    ['sentry-sample_rate', '1'],
    ['sentry-sample_rand', '0.123'],
    ['sentry-sampled', 'true'],
  ];
  const incomingBaggage = ['foo=bar', ...incomingSentry.map(([k, v]) => `${k}=${encodeURIComponent(v)}`)].join(',');

  test('the incoming (frozen) DSC is passed on unchanged, not replaced by ours', () => {
    const out = relay({ 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage: incomingBaggage });
    assert.equal(out['sentry-trace'], `${TRACE_ID}-${CHILD_SPAN_ID}-1`);
    const sentry = baggageEntries(out['baggage']).filter(([k]) => k.startsWith('sentry-'));
    assert.deepEqual(Object.fromEntries(sentry), Object.fromEntries(incomingSentry));
  });

  test('non-Sentry entries survive, and incoming sentry-* entries are not duplicated', () => {
    const out = relay({ 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage: incomingBaggage });
    const keys = baggageEntries(out['baggage']).map(([k]) => k);
    assert.deepEqual(
      keys.filter((k) => !k.startsWith('sentry-')),
      ['foo'],
    );
    assert.equal(new Set(keys).size, keys.length, `duplicate keys in ${String(out['baggage'])}`);
    assert.ok(baggageEntries(out['baggage']).some(([k, v]) => k === 'foo' && v === 'bar'));
  });

  test('without incoming Sentry baggage, the child sends our head DSC for the incoming trace', () => {
    const out = relay({ 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-0`, baggage: 'foo=bar' });
    assert.equal(out['sentry-trace'], `${TRACE_ID}-${CHILD_SPAN_ID}-0`);
    const entries = Object.fromEntries(baggageEntries(out['baggage']));
    assert.equal(entries['foo'], 'bar');
    assert.equal(entries['sentry-trace_id'], TRACE_ID);
    assert.equal(entries['sentry-public_key'], 'f00dfeed');
    assert.equal(entries['sentry-sampled'], 'false');
  });
});
