/**
 * An app that calls Sentry itself reaches the preload's client only through
 * Sentry's process-wide carrier, which is keyed by SDK version:
 * `globalThis.__SENTRY__[SDK_VERSION]` (@sentry/core 11 carrier.js
 * `getMainCarrier`). A copy of the same version finds the preload's client
 * there, whether npm deduped it with ours or not (the CommonJS build next to
 * our ESM one, or our copy inside a bundle). A copy of another version gets an
 * entry of its own with no client in it, and its `captureException` calls are
 * dropped without a word. Such a copy gets one warning with the fix:
 * - when it loads: a module hook on `@sentry/core`, which every Sentry SDK
 *   package loads, compares its `SDK_VERSION` with ours (versions, not module
 *   identity: our own copy may be bundled);
 * - for a copy no module hook sees (bundled into the app, or ESM while tracing
 *   is off and no ESM loader is registered): when its carrier entry appears,
 *   checked at the preload's checkpoints (`check()`).
 *
 * Why a warning and not a bridge (aliasing the other version's carrier entry to
 * ours)? The carrier is keyed by version so that one version's code only ever
 * runs against that version's client and scopes, and that contract changes
 * within a major. Probed with @sentry/node 11.11.0 against our 11.12.0, both
 * carriers holding the same keys and carrier.js unchanged:
 * - bridged, the app's `Sentry.captureException` arrived, but its
 *   `Sentry.metrics.count()` never did, not even after `Sentry.flush()`:
 *   11.11's client sets up log and metric flushing in its constructor
 *   (client.js `setupWeightBasedFlushing`), 11.12 moved that into its own
 *   capture path (logs/internal.js, metrics/internal.js), so 11.11's capture
 *   buffers into our client and nothing ever sends it. A loud warning beats a
 *   silent loss;
 * - bridged, the app's own `Sentry.init()` replaced the preload's async
 *   context strategy with 11.11's (unbridged, it stays in its own entry).
 */
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { guarded } from '../preload/guarded.js';
import type { Logger } from '../preload/log.js';

const VERSION = /^\d+\.\d+\.\d+/;

/** The one line an app with another Sentry version gets: both versions, what it means, the fix. */
export function otherVersionWarning(ours: string, theirs: string): string {
  return (
    `the app loads Sentry ${theirs}, but the preload runs Sentry ${ours}. Sentry shares its client only within one ` +
    `version, so the app's own Sentry calls (captureException, captureMessage, ...) reach no client and are dropped. ` +
    `Fix: depend on "@sentry/node": "${ours}", the version the preload runs, or call @org/sentry-register/api instead.`
  );
}

/** The versions, other than `ours`, that have an entry in Sentry's carrier: copies that have been used. */
export function carrierVersions(ours: string, carrier: unknown): string[] {
  if (typeof carrier !== 'object' || carrier === null) return [];
  // Besides the versions, the carrier holds `version`: the first version that loaded.
  return Object.keys(carrier).filter((key) => key !== ours && VERSION.test(key));
}

/** Warns once when the app loads or uses a Sentry of another version than ours. */
export class SentryCopyWatch extends InstrumentationBase {
  private readonly ours: string;
  private readonly log: Pick<Logger, 'warn'>;
  private warned = false;
  private readonly onLoad = guarded('the Sentry version check', (exports: unknown, moduleVersion: unknown) => {
    const version = (exports as { SDK_VERSION?: unknown } | undefined)?.SDK_VERSION ?? moduleVersion;
    if (typeof version === 'string') this.notice(version);
  });

  constructor(ours: string, log: Pick<Logger, 'warn'>) {
    super('@org/sentry-register/sentry-copies', '1.0.0', { enabled: false });
    this.ours = ours;
    this.log = log;
    this.enable();
  }

  protected init(): InstrumentationModuleDefinition {
    return {
      name: '@sentry/core',
      supportedVersions: ['*'],
      includePrerelease: true,
      files: [],
      // Reads the version and hands the module on as it is: nothing is wrapped.
      patch: (exports: unknown, moduleVersion?: string) => {
        this.onLoad(exports, moduleVersion);
        return exports;
      },
    };
  }

  /** The carrier check, for copies no module hook saw. */
  readonly check = guarded('the Sentry carrier check', () => {
    const [theirs] = carrierVersions(this.ours, (globalThis as { __SENTRY__?: unknown }).__SENTRY__);
    if (theirs !== undefined) this.notice(theirs);
  });

  private notice(version: string): void {
    if (this.warned || version === this.ours) return;
    this.warned = true;
    this.log.warn(otherVersionWarning(this.ours, version));
  }
}
