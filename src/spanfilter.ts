/**
 * A safety net behind the sampler: a trace whose root is a health, metrics or
 * root route is never exported, even if something upstream sampled it (an
 * app's own sampler, a span started by hand). Spans of such a trace are
 * dropped as they end, counted in the drop ledger.
 */
import { SpanKind } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DropLedger } from './drops.js';
import { isExcludedPath } from './sampler.js';

const MAX_TRACKED = 1024;

export class HealthRouteGuard implements SpanProcessor {
  private readonly _inner: SpanProcessor;
  private readonly _ledger: Pick<DropLedger, 'record'> | undefined;
  // Insertion-ordered, so the oldest trace ids go first when the set is full.
  private readonly _dropped = new Set<string>();

  constructor(inner: SpanProcessor, ledger?: Pick<DropLedger, 'record'>) {
    this._inner = inner;
    this._ledger = ledger;
  }

  onStart(span: Span, parentContext: Context): void {
    if (span.kind === SpanKind.SERVER && isExcludedPath(span.attributes['url.path'])) {
      this._dropped.add(span.spanContext().traceId);
      if (this._dropped.size > MAX_TRACKED) this._dropped.delete(this._dropped.values().next().value as string);
      return;
    }
    this._inner.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    this._inner.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    if (this._dropped.has(span.spanContext().traceId)) {
      if (span.kind === SpanKind.SERVER) this._ledger?.record('health-route', `span ${span.name}`);
      return;
    }
    this._inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this._inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this._inner.shutdown();
  }
}
