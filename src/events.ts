/**
 * Our step in Sentry's event processing.
 * - Link every event to the active OTel span. `openTelemetryIntegration()` does
 *   this only when Sentry has no span of its own, but Sentry's channel-based
 *   framework integrations (Fastify in @sentry/node 11.12) put a non-recording
 *   placeholder span on the scope, whose made-up trace id then wins. With
 *   tracing off in Sentry, the OTel span is the only real one.
 * - Drop the second capture of a rejection we re-raised as an uncaught exception.
 */
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Integration } from '@sentry/core';

export function sentryRegisterIntegration(isRethrown: (error: unknown) => boolean): Integration {
  return {
    name: 'SentryRegister',
    processEvent(event, hint) {
      const secondCapture =
        isRethrown(hint.originalException) && event.exception?.values?.some((v) => v.mechanism?.type === 'auto.node.onuncaughtexception');
      if (secondCapture) return null;
      const active = trace.getSpanContext(context.active());
      if (active && isSpanContextValid(active)) {
        event.contexts = { ...event.contexts, trace: { ...event.contexts?.trace, trace_id: active.traceId, span_id: active.spanId } };
      }
      return event;
    },
  };
}
