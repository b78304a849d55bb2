/**
 * Processes the preload must leave alone. `NODE_OPTIONS` reaches every Node
 * process in a container, including the package manager that starts the app
 * (`npm start`) and its helpers; instrumenting those would double every
 * startup line and report their errors as the app's.
 */
import { basename } from 'node:path';

const PACKAGE_MANAGERS = /^(npm|npx|yarn|yarnpkg|pnpm|pnpx|corepack)(-cli)?(\.c?js|\.mjs)?$/;

export function isPackageManager(entry: string | undefined): boolean {
  if (!entry) return false;
  const name = basename(entry);
  if (PACKAGE_MANAGERS.test(name)) return true;
  // Yarn berry runs from `.yarn/releases/yarn-4.x.cjs`, pnpm from `pnpm/bin/pnpm.cjs`.
  return /(^|[\\/])yarn-[\d.]+\.c?js$/.test(entry) || /[\\/](npm|pnpm|yarn)[\\/]bin[\\/]/.test(entry);
}
