/**
 * An app that calls Sentry itself (`import * as Sentry from '@sentry/node'`,
 * no `Sentry.init()`) while the preload runs. The preload's Sentry is bundled
 * (scripts/bundle.ts), so the app's import is a second copy of the SDK; with
 * the same version it still reaches the preload's client, because Sentry keeps
 * its client and scopes on a global keyed by its version (`__SENTRY__`), not
 * in module state. Events go through the preload's pipeline: masked, tagged
 * per request, released.
 */
import assert from 'node:assert/strict';
import type { Sink } from '../../src/sink.js';
import { testFixtures } from './runner.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event JSON from the sink is untyped
type EventJson = Record<string, any>;

testFixtures([
  {
    name: "the app's own @sentry/node, same version as the preload's, reaches the preload's client",
    app: 'own-sentry-app',
    traffic: async (proc, sink: Sink) => {
      for (let n = 0; n < 3; n++) assert.equal((await proc.request('POST', `/own/${n}`)).body, 'client');
      await sink.waitFor('three events', (s) => s.events().length === 3);
    },
    expect: async (sink, proc) => {
      proc.signal('SIGTERM');
      assert.equal((await proc.exited).code, 143);
      const events = sink.events() as EventJson[];
      assert.deepEqual(events.map((e) => e['exception']?.values?.at(-1)?.value).sort(), [
        'own capture 0 for [EMAIL]',
        'own capture 1 for [EMAIL]',
        'own capture 2 for [EMAIL]',
      ]);
      for (const event of events) {
        assert.equal(event['release'], 'lightspeed-stack@1.2.3');
        assert.equal(event['tags']?.caller, 'app');
      }
      assert.doesNotMatch(proc.stderr(), /called Sentry\.init\(\) itself/);
    },
  },
]);
