/**
 * ESM support: import-in-the-middle's loader must be registered before any
 * instrumentation is constructed, since instrumentations announce the modules
 * they hook as they are built. Only those modules are intercepted, so the
 * rest of the app's imports load untouched.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

/** Registers the loader; call the returned function once the instrumentations exist. */
export function registerEsmHooks(): () => Promise<void> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  return waitForAllMessagesAcknowledged;
}
