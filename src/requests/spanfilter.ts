/**
 * A safety net behind the sampler: a trace whose root is a health, metrics or
 * root route is never exported, even if something upstream sampled it (an
 * app's own sampler, a span started by hand). Spans of such a trace are
 * dropped as they end, counted in the drop ledger. The spans it lets through
 * go to every backend's processor (Sentry's, and the collector's when set).
 */
import { SpanKind } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DropLedger } from '../events/drops.js';
import { isExcludedPath } from './sampler.js';

const MAX_TRACKED = 1024;

export class HealthRouteGuard implements SpanProcessor {
  private readonly _inner: readonly SpanProcessor[];
  private readonly _ledger: Pick<DropLedger, 'record'> | undefined;
  // Insertion-ordered, so the oldest trace ids go first when the set is full.
  private readonly _dropped = new Set<string>();

  constructor(inner: SpanProcessor | readonly SpanProcessor[], ledger?: Pick<DropLedger, 'record'>) {
    this._inner = Array.isArray(inner) ? inner : [inner as SpanProcessor];
    this._ledger = ledger;
  }

  onStart(span: Span, parentContext: Context): void {
    if (span.kind === SpanKind.SERVER && isExcludedPath(span.attributes['url.path'])) {
      this._dropped.add(span.spanContext().traceId);
      if (this._dropped.size > MAX_TRACKED) this._dropped.delete(this._dropped.values().next().value as string);
      return;
    }
    for (const p of this._inner) p.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    for (const p of this._inner) p.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    if (this._dropped.has(span.spanContext().traceId)) {
      if (span.kind === SpanKind.SERVER) this._ledger?.record('health-route', `span ${span.name}`);
      return;
    }
    for (const p of this._inner) p.onEnd(span);
  }

  /** All backends at once: each gets the whole budget the caller gives, not a share of it. */
  async forceFlush(): Promise<void> {
    await Promise.all(this._inner.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this._inner.map((p) => p.shutdown()));
  }
}
