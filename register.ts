/**
 * The preload: `node --import @org/sentry-register app.js`.
 * The only module with import-time side effects; everything else is in src/.
 */
import { isMainThread } from 'node:worker_threads';
import { readConfig } from './src/preload/config.js';
import { isPackageManager } from './src/preload/guard.js';
import { describeError, log } from './src/preload/log.js';
import { start } from './src/preload/start.js';

// Worker threads inherit --import; the main thread already covers the process.
// Package managers inherit NODE_OPTIONS; they are not the service.
try {
  if (isMainThread && !isPackageManager(process.argv[1])) {
    await start(readConfig(process.env));
  }
} catch (err) {
  // start() never throws; this guards the config reader and the guards themselves.
  log.error(`Sentry initialization failed; the app runs uninstrumented: ${describeError(err)}`);
}
