/**
 * The sampling policy, decided once per trace at span start.
 *
 * Only POST requests to application routes are traced; health, metrics and
 * root routes never are. Eligible requests keep `ratio` of traces, decided
 * deterministically on the trace id so every service in a trace agrees.
 */
import { createContextKey, SpanKind, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';

/**
 * Set by a propagator when the remote parent carried no sampling decision
 * (a `sentry-trace` header without `-1`/`-0`): we then decide ourselves.
 */
export const DEFERRED_SAMPLING = createContextKey('@org/sentry-register deferred sampling');

export const EXCLUDED_PATHS: readonly string[] = ['/readiness', '/liveness', '/metrics', '/'];
const EXCLUDED = new Set(EXCLUDED_PATHS);

/** The one predicate behind every "is this request worth tracing" question. */
export function isTraceableRequest(method: unknown, path: unknown): boolean {
  if (typeof method !== 'string' || method.toUpperCase() !== 'POST') return false;
  return typeof path === 'string' && !isExcludedPath(path);
}

/**
 * What may follow the leading `/` of a path that normalises to an excluded one:
 * an excluded path's first letter, a query, a fragment or another slash.
 */
const EXCLUDED_SECOND = new Set([...EXCLUDED_PATHS.map((p) => p[1]).filter((c) => c !== undefined), '?', '#', '/']);

/** A health, metrics or root route, whatever its query string or trailing slash. */
export function isExcludedPath(path: unknown): boolean {
  if (typeof path !== 'string') return false;
  // Asked for every request (sessions.ts): most paths are told apart by one character, without normalising.
  if (path[0] === '/' && path.length > 1 && !EXCLUDED_SECOND.has(path[1] as string)) return false;
  return EXCLUDED.has(path) || EXCLUDED.has(normalizePath(path));
}

/** The path without its query string or fragment. */
export function stripQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q === -1 ? path : path.slice(0, q);
}

/** Drops the query string and trailing slashes: `/liveness/?x=1` is `/liveness`. */
export function normalizePath(path: string): string {
  const trimmed = stripQuery(path).replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

const NOT_RECORD: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });

export class LightspeedSampler implements Sampler {
  private readonly _ratio: number;
  private readonly _byTraceId: TraceIdRatioBasedSampler;

  constructor(ratio: number) {
    this._ratio = clamp(ratio);
    this._byTraceId = new TraceIdRatioBasedSampler(this._ratio);
  }

  shouldSample(
    context: Context,
    traceId: string,
    _spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    const parentValid = parent !== undefined && trace.isSpanContextValid(parent);

    // Children of a span in this process follow it: one decision per trace.
    if (parentValid && !parent.isRemote) return isSampled(parent.traceFlags) ? SAMPLED : NOT_RECORD;

    // Roots that are not incoming requests (background jobs' outgoing calls) are never traced.
    if (spanKind !== SpanKind.SERVER) return NOT_RECORD;
    if (!isTraceableRequest(attributes['http.request.method'], attributes['url.path'])) return NOT_RECORD;

    // An eligible request from a traced peer follows the peer's decision.
    if (parentValid && context.getValue(DEFERRED_SAMPLING) !== true) return isSampled(parent.traceFlags) ? SAMPLED : NOT_RECORD;

    return this._byTraceId.shouldSample(context, traceId);
  }

  get ratio(): number {
    return this._ratio;
  }

  toString(): string {
    return `LightspeedSampler{POST,ratio=${this._ratio}}`;
  }
}

function isSampled(traceFlags: number): boolean {
  return (traceFlags & 1) === 1;
}

function clamp(ratio: number): number {
  if (typeof ratio !== 'number' || Number.isNaN(ratio)) return 0;
  return Math.min(1, Math.max(0, ratio));
}
