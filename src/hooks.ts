/**
 * ESM support: import-in-the-middle's loader must be registered before any
 * instrumentation is constructed, since instrumentations announce the modules
 * they hook as they are built. Only those modules are intercepted, so the
 * rest of the app's imports load untouched.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

let registered: (() => Promise<void>) | undefined;

/**
 * Registers the loader once per process; call the returned function once the
 * instrumentations exist. A second SDK start (the /testing helpers) reuses the
 * first registration: import-in-the-middle's loader can only be set up once.
 */
export function registerEsmHooks(): () => Promise<void> {
  if (!registered) {
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    registered = waitForAllMessagesAcknowledged;
  }
  return registered;
}
