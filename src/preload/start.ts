/**
 * `start()` never throws into the host app. With no DSN it loads nothing else
 * (no Sentry, no OTel); any internal failure gives one error line and a no-op
 * handle, and the app runs uninstrumented.
 */
import type { Config } from './config.js';
import type { Handle } from './handle.js';
import { describeError, log, registerSecret, setDebugLogging } from './log.js';

export const NOOP_HANDLE: Handle = Object.freeze({ active: false, flush: () => Promise.resolve('flushed' as const) });

// Shared through the global registry so that two copies of the package loaded
// in one process (say, the preload given twice from two paths) initialise once.
const STARTED = Symbol.for('@org/sentry-register/started');
type Global = typeof globalThis & { [STARTED]?: Promise<Handle> };

export function start(config: Readonly<Config>, exit: (code: number) => void = process.exit): Promise<Handle> {
  const g = globalThis as Global;
  const previous = g[STARTED];
  if (previous) {
    log.debug('loaded more than once; initialising once');
    return previous;
  }
  const started = startOnce(config, exit);
  g[STARTED] = started;
  return started;
}

async function startOnce(config: Readonly<Config>, exit: (code: number) => void): Promise<Handle> {
  try {
    if (config.debug) setDebugLogging(true);
    if (config.dsn === undefined) {
      if (config.required) {
        log.error(
          `SENTRY_REQUIRED is true but SENTRY_DSN is ${config.dsnStatus === 'missing' ? 'not set' : 'invalid'}; exiting with code 1`,
        );
        exit(1);
        return NOOP_HANDLE;
      }
      if (config.dsnStatus === 'missing') log.info('Sentry DSN not configured, skipping initialization');
      return NOOP_HANDLE;
    }
    registerSecret(config.dsn.value);
    registerSecret(config.dsn.publicKey);
    // The collector's headers are usually credentials (API keys, bearer tokens).
    for (const value of Object.values(config.collector?.headers ?? {})) registerSecret(value);
    const { startSdk } = await import('../sdk/sdk.js');
    return await startSdk({ ...config, dsn: config.dsn });
  } catch (err) {
    log.error(`Sentry initialization failed; the app runs uninstrumented: ${describeError(err)}`);
    if (config.required) {
      log.error('SENTRY_REQUIRED is true; exiting with code 1');
      exit(1);
    }
    return NOOP_HANDLE;
  }
}
