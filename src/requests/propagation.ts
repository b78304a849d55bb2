/**
 * Trace propagation that Sentry-instrumented peers understand in both
 * directions, next to OTel's W3C `traceparent` (composed in sdk/tracing.ts).
 *
 * Why not `SentryPropagator` from @sentry/opentelemetry (11.12):
 * - its `inject()` refuses any context that is not the active one and logs
 *   "Injecting trace data of a different context…" on every call, while
 *   OTel's http instrumentation injects with the client span's context, which
 *   is never the active one at that point;
 * - even for the active context it injects nothing here: with
 *   `openTelemetryIntegration()` Sentry's `getTraceData()` returns `{}` when
 *   there is no Sentry span, leaving propagation to OTel by design;
 * - its `extract()` stores the incoming DSC in the span's `tracestate` under
 *   `sentry.dsc`, as a comma-separated value that OTel's W3C propagator would
 *   then serialise into an invalid outgoing `tracestate` header.
 * So this propagator reads the span context it is given, and uses Sentry's own
 * helpers for every header format (no Sentry format is re-implemented here).
 */
import { createContextKey, defaultTextMapSetter, isSpanContextValid, propagation, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed, W3CBaggagePropagator } from '@opentelemetry/core';
import { dynamicSamplingContextToSentryBaggageHeader, generateSentryTraceHeader, propagationContextFromHeaders } from '@sentry/core';
import type { DynamicSamplingContext } from '@sentry/core';
import { DEFERRED_SAMPLING } from './sampler.js';

const SENTRY_TRACE = 'sentry-trace';
const BAGGAGE = 'baggage';
/** The DSC frozen by the head of an incoming Sentry trace; passed on unchanged. */
const INCOMING_DSC = createContextKey('@org/sentry-register incoming DSC');

/** Head-of-trace DSC fields that do not depend on the trace. */
export type HeadDsc = Pick<Partial<DynamicSamplingContext>, 'public_key' | 'environment' | 'release' | 'org_id' | 'sample_rate'>;

export class SentryTracePropagator implements TextMapPropagator {
  private readonly _head: HeadDsc;
  private readonly _baggage = new W3CBaggagePropagator();

  constructor(head: HeadDsc) {
    this._head = head;
  }

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    if (isTracingSuppressed(ctx)) return;
    const sc = trace.getSpanContext(ctx);
    if (!sc || !isSpanContextValid(sc)) return;
    const sampled = (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    setter.set(carrier, SENTRY_TRACE, generateSentryTraceHeader(sc.traceId, sc.spanId, sampled));

    const incoming = ctx.getValue(INCOMING_DSC) as Partial<DynamicSamplingContext> | undefined;
    const dsc = incoming ?? { ...this._head, trace_id: sc.traceId, sampled: String(sampled) };
    const sentryBaggage = dynamicSamplingContextToSentryBaggageHeader(dsc);
    const otherBaggage = this._otherBaggage(ctx);
    const baggage = [otherBaggage, sentryBaggage].filter(Boolean).join(',');
    if (baggage) setter.set(carrier, BAGGAGE, baggage);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const withBaggage = this._baggage.extract(ctx, carrier, getter);
    const header = getter.get(carrier, SENTRY_TRACE);
    const sentryTrace = Array.isArray(header) ? header[0] : header;
    if (!sentryTrace) return withBaggage;

    const { traceId, parentSpanId, sampled, dsc } = propagationContextFromHeaders(sentryTrace, getter.get(carrier, BAGGAGE));
    if (!parentSpanId) return withBaggage; // not a valid sentry-trace header
    let out = trace.setSpanContext(withBaggage, {
      traceId,
      spanId: parentSpanId,
      isRemote: true,
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    });
    // `sentry-trace` without a decision asks us to decide; OTel flags cannot say so.
    if (sampled === undefined) out = out.setValue(DEFERRED_SAMPLING, true);
    if (dsc && Object.keys(dsc).length > 0) out = out.setValue(INCOMING_DSC, dsc);
    return out;
  }

  fields(): string[] {
    return [SENTRY_TRACE, BAGGAGE];
  }

  /** W3C baggage entries other than Sentry's, which we write ourselves. */
  private _otherBaggage(ctx: Context): string | undefined {
    const bag = propagation.getBaggage(ctx);
    if (!bag) return undefined;
    let filtered = bag;
    for (const [key] of bag.getAllEntries()) {
      if (key.startsWith('sentry-')) filtered = filtered.removeEntry(key);
    }
    const out: Record<string, string> = {};
    this._baggage.inject(propagation.setBaggage(ctx, filtered), out, defaultTextMapSetter);
    return out[BAGGAGE];
  }
}
