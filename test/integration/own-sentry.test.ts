/**
 * An app that calls Sentry itself keeps working. With its own
 * `import * as Sentry from '@sentry/node'` of the preload's version, its
 * `captureException` events go through the preload's client (masked like the
 * preload's own). With another version (11.11.0, the devDependency alias
 * `sentry-node-11-11`) they cannot reach that client (src/sdk/copies.ts says why the
 * preload does not bridge them): the app gets one warning with the fix, and
 * otherwise runs and exits as it would.
 */
import assert from 'node:assert/strict';
import type { Sink } from '../support/sink.js';
import { stderrLine, testFixtures } from '../support/runner.js';
import type { Proc } from '../support/runner.js';

const OTHER_VERSION =
  /^\[sentry-register\] warning: the app loads Sentry 11\.11\.0, but the preload runs Sentry 11\.12\.0\. .*reach no client.* Fix: depend on "@sentry\/node": "11\.12\.0", the version the preload runs, or call @org\/sentry-register\/api instead\.$/;

const ourWarnings = (proc: Proc): string[] =>
  proc
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('[sentry-register] warning'));

/** Two captures through the app's own Sentry, then the app stops itself. */
async function captureTwiceAndStop(proc: Proc): Promise<void> {
  for (const n of [1, 2]) assert.equal((await proc.request('POST', `/capture/${n}`)).body, 'captured');
  assert.equal((await proc.request('POST', '/stop')).body, 'stopping');
}

/** The app ran to its own end: its exit code, no event of its own at the sink, and one warning. */
async function expectWarnedAndDropped(sink: Sink, proc: Proc): Promise<void> {
  // The preload flushes before the process ends: anything sent has arrived.
  assert.equal((await proc.exited).code, 3);
  assert.deepEqual(sink.events(), [], 'the other version reached a client: update src/sdk/copies.ts and this test');
  const warnings = ourWarnings(proc);
  assert.equal(warnings.length, 1, proc.stderr());
  assert.match(warnings[0] ?? '', OTHER_VERSION);
}

testFixtures([
  {
    name: "an app's own @sentry/node of our version reports through the preload's client, with no warning",
    app: 'own-sentry-app',
    traffic: async (proc, sink) => {
      await captureTwiceAndStop(proc);
      await sink.waitFor("the app's two events", (s) => s.events().length === 2);
    },
    expect: async (sink, proc) => {
      assert.equal((await proc.exited).code, 3);
      const messages = sink
        .events()
        .map((e) => (e['exception'] as { values?: Array<{ value?: string }> } | undefined)?.values?.at(-1)?.value)
        .sort();
      // Masked: the preload's pipeline handled them.
      assert.deepEqual(messages, ['app capture 1 for [EMAIL]', 'app capture 2 for [EMAIL]']);
      assert.deepEqual(ourWarnings(proc), []);
    },
  },
  {
    name: "an app's own @sentry/node 11.11.0 gets one warning with the fix as it loads, and runs and exits as before",
    app: 'old-sentry-app',
    traffic: async (proc) => {
      // Before any capture, so the load, not a use, gave the warning.
      await stderrLine(proc, OTHER_VERSION);
      await captureTwiceAndStop(proc);
    },
    expect: expectWarnedAndDropped,
  },
  {
    name: 'with tracing off no ESM loader sees the load; the carrier check warns once the other version is used',
    app: 'old-sentry-app',
    formats: ['mjs'],
    env: { OTEL_SDK_DISABLED: 'true' },
    traffic: async (proc) => {
      await captureTwiceAndStop(proc);
      await stderrLine(proc, OTHER_VERSION);
    },
    expect: expectWarnedAndDropped,
  },
]);
