/**
 * What the preload does to the process it owns, and the /testing helpers
 * never do to a test process: crash and shutdown listeners, the checks of
 * what the app does with Sentry itself, the startup lines.
 */
import * as Sentry from '@sentry/node';
import type { CaBundle } from './ca.js';
import { SentryCopyWatch } from './copies.js';
import { createCrashHandling } from './crash.js';
import type { Release } from './release.js';
import { installShutdown } from './shutdown.js';
import type { Flush, Listener } from './shutdown.js';
import type { CaptureThrown } from '../events/capture.js';
import type { Config, Dsn } from '../preload/config.js';
import { log } from '../preload/log.js';
import type { LightspeedSampler } from '../requests/sampler.js';

const WATCHED_EVENTS = ['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT', 'beforeExit'] as const;

/** The listeners on the events we handle; taken before we start, they belong to whoever loaded before us, not to the app. */
export function snapshotListeners(): Set<Listener> {
  const out = new Set<Listener>();
  for (const event of WATCHED_EVENTS) for (const l of process.listeners(event as 'SIGTERM')) out.add(l as Listener);
  return out;
}

export interface HandlerParts {
  /** `snapshotListeners()` from before the SDK started. */
  readonly before: Set<Listener>;
  readonly flush: Flush;
  readonly capture: CaptureThrown;
}

/**
 * Our uncaughtException and unhandledRejection listeners (crash.ts), and the
 * signal and beforeExit ones (shutdown.ts). Every listener added since
 * `before` counts as ours (Sentry's too), not the app's. Returns the function
 * that removes the listeners it added.
 */
export function installProcessHandlers(parts: HandlerParts): () => void {
  const { flush } = parts;
  let ownListeners = new Set<Listener>();
  const isOwnListener = (l: Listener): boolean => ownListeners.has(l);
  const crash = createCrashHandling(flush, isOwnListener, parts.capture);
  process.on('uncaughtException', crash.onUncaught);
  process.on('unhandledRejection', crash.onRejection);
  const added: Array<[string, Listener]> = [
    ['uncaughtException', crash.onUncaught as Listener],
    ['unhandledRejection', crash.onRejection as Listener],
    ...installShutdown({ flush, log, isOwnListener }),
  ];
  ownListeners = newListeners(
    parts.before,
    snapshotListeners(),
    added.map(([, l]) => l),
  );
  return () => {
    for (const [event, l] of added) process.removeListener(event, l);
  };
}

function newListeners(before: Set<Listener>, after: Set<Listener>, ours: Listener[]): Set<Listener> {
  const out = new Set<Listener>(ours);
  for (const l of after) if (!before.has(l)) out.add(l);
  return out;
}

/**
 * An app whose own Sentry is another version reaches no client (copies.ts).
 * A module hook, so built before the ESM hooks are awaited; undone by its
 * `disable()`.
 */
export function watchSentryCopies(): SentryCopyWatch {
  return new SentryCopyWatch(Sentry.SDK_VERSION, log);
}

/**
 * What the app does with Sentry itself (its own init, another version) is
 * checked after its entry has run, a second later, at its first traced
 * request and at every flush. Returns that check; its timers are unref'd.
 */
export function startCheckpoints(copies: SentryCopyWatch): () => void {
  const checkForeignInit = watchForeignInit(Sentry.getClient());
  const checkpoint = (): void => {
    checkForeignInit();
    copies.check();
  };
  setImmediate(checkpoint).unref();
  setTimeout(checkpoint, 1000).unref();
  return checkpoint;
}

/**
 * An app that calls `Sentry.init()` itself replaces the preload's client (the
 * old one is not closed). Checked at the checkpoints; one warning says what
 * that means.
 */
function watchForeignInit(ours: unknown): () => void {
  let warned = false;
  return () => {
    if (warned || Sentry.getClient() === ours) return;
    warned = true;
    log.warn(
      "the app called Sentry.init() itself; its client replaced the preload's, so the preload's masking, noise filters and trace links no longer apply to its errors. Remove the app's Sentry.init() (the preload does it) or do not load the preload.",
    );
  };
}

export interface StartupFacts {
  readonly release: Release;
  readonly sampler: LightspeedSampler;
  readonly caBundle: CaBundle | undefined;
}

/** The startup line, what is off or added, and at debug level where each setting came from. */
export function logStartup(config: Config & { dsn: Dsn }, facts: StartupFacts): void {
  const { release, sampler, caBundle } = facts;
  log.info(
    `Sentry initialized (environment=${config.environment}, release=${release.release ?? 'none'}, ` +
      `traces_sample_rate=${sampler.ratio}, host=${config.dsn.host})`,
  );
  if (!config.tracing) log.info('OTEL_SDK_DISABLED is true: tracing is off; errors are still captured');
  else if (config.collector) {
    log.info(`spans also go to the OTLP collector at ${config.collector.host} (${config.collector.protocol})`);
  }
  log.debug(
    `release from ${release.source}; sampler ${sampler.toString()}; CA bundle ${caBundle ? `${caBundle.count} certificate(s) from ${caBundle.path}` : 'not set'}`,
  );
}
