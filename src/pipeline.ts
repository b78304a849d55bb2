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
import type { ErrorEvent, EventHint, StackFrame } from '@sentry/core';
import type { DropLedger } from './drops.js';
import { reportedDetails } from './errors.js';
import { factsOf, noiseReason } from './noise.js';
import type { ErrorMatcher } from './noise.js';
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
  readonly isSensitive: KeyTest;
}

// Contexts Sentry fills itself with machine facts; nothing personal, nothing to scan.
const SDK_CONTEXTS = new Set(['trace', 'runtime', 'os', 'device', 'app', 'culture', 'cloud_resource']);

export function createEventPipeline(options: PipelineOptions = {}): EventPipeline {
  const isSensitive = sensitiveKeys(options.scrubKeys);
  const ignore = options.ignoreErrors ?? [];

  return {
    isSensitive,

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
      return scrubEvent(event, isSensitive);
    },
  };
}

function scrubEvent(event: ErrorEvent, isSensitive: KeyTest): ErrorEvent {
  if (typeof event.message === 'string') event.message = maskString(event.message);
  if (event.logentry) event.logentry = scrub(event.logentry, isSensitive);
  if (event.transaction) event.transaction = maskString(event.transaction);
  for (const value of event.exception?.values ?? []) {
    if (value.value) value.value = maskString(value.value);
    for (const frame of value.stacktrace?.frames ?? []) maskSourceContext(frame);
  }
  if (event.breadcrumbs) event.breadcrumbs = scrub(event.breadcrumbs, isSensitive);
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
