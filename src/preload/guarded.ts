/**
 * Our code that runs inside the app's own call stacks: diagnostics-channel
 * subscribers, the framework error hooks, process listeners. A throw in one of
 * them would surface in the app as an error it never made (a subscriber's
 * throw becomes an uncaught exception), so each is wrapped here: a failure is
 * counted, said once per hook on the debug log, and the app goes on.
 */
import { describeError, log } from './log.js';

const failures = new Map<string, number>();

/** `fn`, except that it never throws; a throw is counted under `name`. */
export function guarded<A extends unknown[]>(name: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      noteFailure(name, err);
    }
  };
}

/** Counts a failure of our own code; the first one per name gets one debug line. */
export function noteFailure(name: string, err: unknown): void {
  const count = (failures.get(name) ?? 0) + 1;
  failures.set(name, count);
  if (count === 1) log.debug(`${name} failed and was skipped (later failures are counted, not logged): ${describeError(err)}`);
}

/** How often each guarded hook failed (the tests read it). */
export function guardFailures(): ReadonlyMap<string, number> {
  return failures;
}
