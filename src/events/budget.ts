/**
 * An error storm must not be amplified by the preload. When a dependency goes
 * down every request fails, and building a full event for each (stack parsing,
 * source context from disk, masking, serialising) is what slows the service,
 * for thousands of events that say nothing the first few did not.
 *
 * So each error is put in a group, keyed on what Sentry groups on (the type,
 * the message with numbers, ids and hex normalised, the top in-app frame), and
 * a group gets `burst` events at once, then one per `intervalMs`: 5, then 1
 * every 10 s. Five show a new failure's variety (different inputs, the first
 * retries); one every 10 s keeps an ongoing storm visibly alive in Sentry, at
 * 6 events a minute per group. Across all groups, at most `perSecond` events a
 * second leave after each group's first.
 *
 * The decision is made before Sentry builds anything, from the thrown value's
 * own `name`, `message` and the first lines of its `stack` (never a getter
 * beyond those, read once each, and capped in length): a skipped event costs
 * a few string operations and a map lookup.
 */
import { isRateLimited, updateRateLimits } from '@sentry/core';
import type { RateLimits, TransportMakeRequestResponse } from '@sentry/core';

export interface BudgetOptions {
  /** Events a group sends at once. */
  readonly burst: number;
  /** Then one per this many milliseconds. */
  readonly intervalMs: number;
  /** Events per second across all groups, a group's first event not counted. */
  readonly perSecond: number;
  readonly now?: () => number;
}

const DEFAULT_BUDGET: BudgetOptions = { burst: 5, intervalMs: 10_000, perSecond: 20 };

/** The once-a-minute warning while events are being skipped. */
export const STORM_WARNING = 'an error storm: events are sampled';
export function stormDetail(o: BudgetOptions): string {
  return (
    `each kind of error sends its first ${o.burst} events, then 1 every ${o.intervalMs / 1000} s, and at most ${o.perSecond} ` +
    "events a second leave in all; the others are counted, not built (the exit summary and Sentry's client reports say how many)"
  );
}

/** Where a capture comes from: the preload's own hooks, the app's explicit call, or a crash. */
export type CaptureKind = 'auto' | 'explicit' | 'crash';

/** Why an event was not built; `undefined` when it goes out. */
export type Skip = 'group-budget' | 'global-ceiling' | 'sentry-refusing';

/**
 * While Sentry refuses errors (429 or `X-Sentry-Rate-Limits`, read with
 * Sentry's own `updateRateLimits`) or its ingest cannot be reached, an event
 * would be built only to be thrown away at the transport: it is not built.
 * After a failed send, events wait `downMs` before the next one tries.
 */
export class SentryRefusal {
  private limits: RateLimits = {};
  private downUntil = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly downMs = 5_000,
  ) {}

  answered(response: TransportMakeRequestResponse): void {
    // A send the transport dropped itself (queue full, rate limited) has no status: nothing learnt.
    if (response.statusCode === undefined) return;
    this.limits = updateRateLimits(this.limits, response, this.now());
    this.downUntil = 0;
  }

  failed(): void {
    this.downUntil = this.now() + this.downMs;
  }

  refusesErrors(): boolean {
    const now = this.now();
    return now < this.downUntil || isRateLimited(this.limits, 'error', now);
  }
}

/** At most this many groups are remembered; the least recently seen is forgotten first. */
const MAX_GROUPS = 2_000;
/** Enough of a message and a stack to tell groups apart, bounded however large they are. */
const MESSAGE_CHARS = 512;
const STACK_CHARS = 4_096;

interface Group {
  /** Events it may still send now. */
  tokens: number;
  refilledAt: number;
}

export class ErrorBudget {
  private readonly groups = new Map<string, Group>();
  private readonly options: BudgetOptions;
  private readonly now: () => number;
  private globalTokens: number;
  private globalAt: number;

  constructor(options: BudgetOptions = DEFAULT_BUDGET) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.globalTokens = options.perSecond;
    this.globalAt = this.now();
  }

  /**
   * Takes one event from `key`'s budget. A crash always goes out; an explicit
   * capture (`@org/sentry-register/api`) is held only to the global ceiling;
   * any other capture to its group's budget, then to the ceiling. The first
   * event of every group goes out whatever the budgets.
   */
  admit(key: string, kind: CaptureKind = 'auto'): Skip | undefined {
    const now = this.now();
    const known = this.groups.get(key);
    if (known === undefined) {
      this.remember(key, { tokens: this.options.burst - 1, refilledAt: now });
      return undefined;
    }
    // Most recently seen last, so the first key is the one to forget.
    this.groups.delete(key);
    this.groups.set(key, known);
    if (kind === 'crash') return undefined;
    if (kind === 'auto') {
      this.refill(known, now);
      if (known.tokens < 1) return 'group-budget';
    }
    if (!this.takeGlobal(now)) return 'global-ceiling';
    if (kind === 'auto') known.tokens -= 1;
    return undefined;
  }

  private refill(group: Group, now: number): void {
    const earned = Math.floor((now - group.refilledAt) / this.options.intervalMs);
    if (earned <= 0) return;
    group.tokens = Math.min(this.options.burst, group.tokens + earned);
    group.refilledAt += earned * this.options.intervalMs;
  }

  private takeGlobal(now: number): boolean {
    const { perSecond } = this.options;
    this.globalTokens = Math.min(perSecond, this.globalTokens + ((now - this.globalAt) * perSecond) / 1000);
    this.globalAt = now;
    if (this.globalTokens < 1) return false;
    this.globalTokens -= 1;
    return true;
  }

  private remember(key: string, group: Group): void {
    if (this.groups.size >= MAX_GROUPS) {
      const oldest = this.groups.keys().next();
      if (!oldest.done) this.groups.delete(oldest.value);
    }
    this.groups.set(key, group);
  }
}

/**
 * The group an error falls in: its type, its message with the variable parts
 * normalised, and its top in-app frame (the first frame outside
 * `node_modules` and Node's own `node:` modules). Never throws.
 */
export function groupKey(value: unknown): string {
  try {
    if (typeof value !== 'object' || value === null) return `${typeof value}:${normalizeMessage(describe(value))}`;
    const error = value as { name?: unknown; message?: unknown; stack?: unknown };
    const name = typeof error.name === 'string' ? error.name.slice(0, 100) : 'Object';
    const message = typeof error.message === 'string' ? normalizeMessage(error.message) : '';
    const stack = typeof error.stack === 'string' ? topInAppFrame(error.stack) : '';
    return `${name}:${message}@${stack}`;
  } catch {
    return 'unreadable';
  }
}

function describe(value: unknown): string {
  return typeof value === 'symbol' ? value.toString() : String(value as string);
}

/**
 * Numbers, UUIDs, hex ids and ISO timestamps become placeholders, so
 * `order 1234 failed` and `order 98 failed` are one group, as are two
 * `ECONNREFUSED 10.0.0.5:5432` with different ports.
 */
export function normalizeMessage(message: string): string {
  return message
    .slice(0, MESSAGE_CHARS)
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<n>')
    .replace(/\b[0-9a-f]*\d[0-9a-f]*\b/gi, (hex) => (hex.length >= 6 || /^\d+$/.test(hex) ? '<n>' : hex));
}

/** The first stack frame in the app's own code, without its column; '' when there is none. */
export function topInAppFrame(stack: string): string {
  const lines = stack.slice(0, STACK_CHARS).split('\n');
  for (const line of lines) {
    const at = line.indexOf('    at ');
    if (at !== 0) continue;
    if (line.includes('node_modules') || line.includes('(node:') || line.includes(' node:')) continue;
    return line.slice(7).replace(/:\d+\)?$/, '');
  }
  return '';
}

/**
 * `admit` for `makeCapture`: while Sentry refuses errors nothing but a crash
 * is built (the transport would drop it); otherwise the value's group, then
 * its budget. A skip is reported to `onSkip`.
 */
export function admission(
  budget: ErrorBudget,
  refusal: Pick<SentryRefusal, 'refusesErrors'>,
  onSkip: (skip: Skip, key: string) => void,
): (value: unknown, kind: CaptureKind) => boolean {
  return (value, kind) => {
    if (kind !== 'crash' && refusal.refusesErrors()) {
      onSkip('sentry-refusing', '');
      return false;
    }
    const key = groupKey(value);
    const skip = budget.admit(key, kind);
    if (skip === undefined) return true;
    onSkip(skip, key);
    return false;
  };
}
