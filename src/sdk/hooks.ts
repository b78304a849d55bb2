/**
 * ESM support: import-in-the-middle's loader must be registered before any
 * instrumentation is constructed, since instrumentations announce the modules
 * they hook as they are built. Only those modules are intercepted, so the
 * rest of the app's imports load untouched.
 *
 * Where Node's synchronous `module.registerHooks` can run the loader
 * (import-in-the-middle's `supportsSyncHooks()`: Node >= 22.22.3, >= 24.11.1,
 * >= 26) it runs in-thread through it; elsewhere (Node 20) through
 * `module.register`, which Node 26 deprecates at runtime (DEP0205,
 * nodejs/node#62401).
 */
import { isBuiltin, register } from 'node:module';
import { createAddHookMessageChannel, Hook } from 'import-in-the-middle';
import type { Namespace } from 'import-in-the-middle';

let registered: (() => Promise<void>) | undefined;

/**
 * Registers the loader once per process; call the returned function once the
 * instrumentations exist. A second call reuses the first registration:
 * import-in-the-middle's loader can only be set up once. (The /testing
 * helpers register none: src/testing/sdk.ts.)
 */
export async function registerEsmHooks(): Promise<() => Promise<void>> {
  if (!registered) {
    // The same message channel on both paths: each Hook() an instrumentation
    // builds adds its modules to the loader's include list (starting empty), and
    // the wait resolves once the loader has acknowledged them. The synchronous
    // loader takes the same options (import-in-the-middle 3.6 create-hook.mjs
    // `applyOptions`, "shared by ... synchronous registration"); its messages
    // arrive on this thread's event loop, before the app's first import.
    const { registerOptions, addHookMessagePort, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    // Imported here rather than at the top: only the SDK path (a DSN is set) needs it.
    const sync = await import('import-in-the-middle/register-hooks.mjs');
    if (!sync.supportsSyncHooks()) {
      register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
      registered = waitForAllMessagesAcknowledged;
      return registered;
    }
    const hooked = new Set<string>();
    (addHookMessagePort as unknown as NodeJS.EventEmitter).on('message', (modules: string[]) => {
      for (const name of modules) hooked.add(name);
    });
    // registerOptions.data ({ include: [], addHookMessagePort }) is typed `any`
    // by import-in-the-middle; RegisterHooksOptions does not list the port.
    sync.register(registerOptions.data);
    registered = async () => {
      await waitForAllMessagesAcknowledged();
      patchBuiltinsForEsm(hooked);
    };
  }
  return registered;
}

/**
 * On the synchronous loader, import-in-the-middle reads a builtin's export
 * names with `process.getBuiltinModule()` on the app's thread (3.6
 * lib/get-exports.mjs `loadBuiltin`), which require-in-the-middle intercepts:
 * OTel patches the CommonJS `node:http` object first, and its guard against
 * patching twice (instrumentation-http 0.223 `_httpPatched`) then skips the
 * ESM namespace, so `import { request } from 'node:http'` got the unpatched
 * function. This hook, run after OTel's, gives the app's ESM view of each
 * hooked builtin the functions OTel patched on the CommonJS object. Only the
 * app's imports see it: `module.syncBuiltinESMExports()` would also patch
 * modules imported before us, such as Sentry's transport, whose uploads would
 * then be traced. The asynchronous loader reads exports on its own thread,
 * where no require hook runs, so it needs none of this.
 */
function patchBuiltinsForEsm(hooked: ReadonlySet<string>): void {
  const builtins = [...new Set([...hooked].filter((name) => isBuiltin(name)).map((name) => name.replace(/^node:/, '')))];
  if (builtins.length === 0) return;
  new Hook(builtins, (exported: Namespace) => {
    const commonjs = exported['default'] as Namespace | undefined;
    if (!commonjs) return;
    for (const key of Object.keys(exported)) {
      if (key === 'default' || key === 'module.exports') continue;
      const patched = commonjs[key];
      if (typeof patched === 'function' && patched !== exported[key]) exported[key] = patched;
    }
  });
}
