/**
 * The before-send pipeline: one ordered pass over every error event before it
 * leaves the process.
 *   1. noise: drop client disconnects, upstream rate limits and ignored errors, counted;
 *   2. enrich: tags, contexts and fingerprint of a ReportedError;
 *   3. scrub: mask PII in every string (source context lines too) and filter values under sensitive keys.
 * The user (set explicitly through `setUser`) is kept as the app set it, but
 * for IP addresses: `ip_address` is removed and an address in any other user
 * field is masked, as Relay does server-side.
 */
import type { Breadcrumb, ErrorEvent, EventHint, StackFrame } from '@sentry/core';
import type { DropLedger } from './drops.js';
import { reportedDetails } from '../api/errors.js';
import { factsOf, noiseReason } from './noise.js';
import type { ErrorMatcher } from '../preload/matchers.js';
import { maskIps } from './privacy.js';
import { maskLines, maskString, scrub, sensitiveKeys } from './scrub.js';
import type { KeyTest } from './scrub.js';

export interface PipelineOptions {
  readonly scrubKeys?: readonly string[];
  readonly ignoreErrors?: readonly ErrorMatcher[];
  readonly ledger?: Pick<DropLedger, 'record'>;
}

export interface EventPipeline {
  beforeSend(event: ErrorEvent, hint: EventHint): ErrorEvent | null;
  /** Bounds a breadcrumb when it is recorded; it is masked only if an event carries it (`scrubEvent`). */
  beforeBreadcrumb(breadcrumb: Breadcrumb): Breadcrumb;
  readonly isSensitive: KeyTest;
}

/** A breadcrumb's message is cut to this many characters when it is recorded. */
const MAX_BREADCRUMB_MESSAGE = 1_024;

/**
 * Breadcrumbs are masked when an event carries them, not when they are
 * recorded: in an error storm most are never sent (budget.ts), and masking
 * each console line of every failing request cost more than the events did.
 * An event carries the same breadcrumbs as the one before it, so each
 * breadcrumb's masked form is kept, by the breadcrumb's own content, for the
 * next event; the storm budget bounds how many events pay at all.
 */
const MASKED_BREADCRUMBS = 256;

// Contexts Sentry fills itself with machine facts; nothing personal, nothing to scan.
const SDK_CONTEXTS = new Set(['trace', 'runtime', 'os', 'device', 'app', 'culture', 'cloud_resource']);

export function createEventPipeline(options: PipelineOptions = {}): EventPipeline {
  const isSensitive = sensitiveKeys(options.scrubKeys);
  const ignore = options.ignoreErrors ?? [];
  const breadcrumbs = new Map<string, Breadcrumb>();

  return {
    isSensitive,

    beforeBreadcrumb(breadcrumb) {
      return typeof breadcrumb.message === 'string' && breadcrumb.message.length > MAX_BREADCRUMB_MESSAGE
        ? { ...breadcrumb, message: cut(breadcrumb.message, MAX_BREADCRUMB_MESSAGE) }
        : breadcrumb;
    },

    beforeSend(event, hint) {
      const values = event.exception?.values;
      const main = values?.[values.length - 1];
      const facts = factsOf(hint.originalException, main ?? { value: typeof event.message === 'string' ? event.message : undefined });
      const reason = noiseReason(facts, ignore);
      if (reason) {
        options.ledger?.record(reason, `${facts.name || 'event'}: ${maskString(facts.message).slice(0, 200)}`);
        return null;
      }

      const details = reportedDetails(hint.originalException);
      if (details) {
        event.tags = { ...event.tags, ...details.tags };
        event.contexts = { ...event.contexts, ...details.contexts };
        if (details.fingerprint) event.fingerprint = details.fingerprint;
      }
      return scrubEvent(event, isSensitive, breadcrumbs);
    },
  };
}

function scrubEvent(event: ErrorEvent, isSensitive: KeyTest, cache: Map<string, Breadcrumb>): ErrorEvent {
  if (typeof event.message === 'string') event.message = maskString(event.message);
  if (event.logentry) event.logentry = scrub(event.logentry, isSensitive);
  if (event.transaction) event.transaction = maskString(event.transaction);
  for (const value of event.exception?.values ?? []) {
    if (value.value) value.value = maskString(value.value);
    for (const frame of value.stacktrace?.frames ?? []) maskSourceContext(frame);
  }
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.map((b) => maskedBreadcrumb(b, isSensitive, cache));
  if (event.extra) event.extra = scrub(event.extra, isSensitive);
  if (event.tags) event.tags = scrub(event.tags, isSensitive);
  if (event.request) event.request = scrub(event.request, isSensitive);
  if (event.user) {
    const user = { ...event.user };
    delete user.ip_address;
    event.user = maskIps(user);
  }
  if (event.contexts) {
    for (const [name, context] of Object.entries(event.contexts)) {
      if (!SDK_CONTEXTS.has(name)) event.contexts[name] = isSensitive(name) ? { value: '[FILTERED]' } : scrub(context, isSensitive);
    }
  }
  return event;
}

/**
 * Source lines around a frame can hold literals (a test key, an address). They
 * are masked as one block, so a private key written over several lines goes
 * whole, and each list keeps its length.
 */
function maskSourceContext(frame: StackFrame): void {
  const pre = frame.pre_context ?? [];
  const post = frame.post_context ?? [];
  if (frame.context_line === undefined && !pre.length && !post.length) return;
  const lines = maskLines([...pre, frame.context_line ?? '', ...post]);
  if (frame.pre_context) frame.pre_context = lines.slice(0, pre.length);
  if (frame.context_line !== undefined) frame.context_line = lines[pre.length];
  if (frame.post_context) frame.post_context = lines.slice(pre.length + 1);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[truncated]`;
}

/** The breadcrumb masked, from the cache when an earlier event carried the same one (same JSON). */
function maskedBreadcrumb(breadcrumb: Breadcrumb, isSensitive: KeyTest, maskedCache: Map<string, Breadcrumb>): Breadcrumb {
  let key: string;
  try {
    key = JSON.stringify(breadcrumb);
  } catch {
    return scrub(breadcrumb, isSensitive);
  }
  const hit = maskedCache.get(key);
  if (hit) return hit;
  const masked = scrub(breadcrumb, isSensitive);
  if (maskedCache.size >= MASKED_BREADCRUMBS) maskedCache.delete(maskedCache.keys().next().value as string);
  maskedCache.set(key, masked);
  return masked;
}
