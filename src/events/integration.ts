/**
 * Our step in Sentry's event processing: link every event to the active OTel
 * span. `openTelemetryIntegration()` does this only when Sentry has no span of
 * its own, and anything that puts a non-recording placeholder span on Sentry's
 * scope (11.12's channel-based framework integrations did) would make its
 * made-up trace id win. With tracing off in Sentry, the OTel span is the only
 * real one.
 */
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Integration } from '@sentry/core';

export function sentryRegisterIntegration(): Integration {
  return {
    name: 'SentryRegister',
    processEvent(event) {
      const active = trace.getSpanContext(context.active());
      if (active && isSpanContextValid(active)) {
        event.contexts = { ...event.contexts, trace: { ...event.contexts?.trace, trace_id: active.traceId, span_id: active.spanId } };
      }
      return event;
    },
  };
}
