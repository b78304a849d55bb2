/**
 * An error storm: 2 000 failing requests of two kinds, each with its own
 * message, then SIGTERM. The sink gets the first events of both kinds, and
 * Sentry's client reports count the rest as sampled client-side; release
 * health still counts every failing request. A 5 MB message arrives cut.
 */
import assert from 'node:assert/strict';
import type { Sink } from '../support/sink.js';
import { drive, testFixtures } from '../support/runner.js';

const REQUESTS = 2_000;
/** The burst (5) and, for a storm that lasts under a minute, at most one event per 10 s after it. */
const MAX_PER_GROUP = 5 + 6;

function eventsOfType(sink: Sink, type: string): number {
  return sink.events().filter((e) => {
    const values = (e['exception'] as { values?: Array<{ type?: string }> } | undefined)?.values ?? [];
    return values.at(-1)?.type === type;
  }).length;
}

/** Sentry's client reports: discarded errors by reason. */
function discarded(sink: Sink): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of sink.items.filter((i) => i.type === 'client_report')) {
    for (const d of (item.payload['discarded_events'] as Array<{ reason: string; category: string; quantity: number }>) ?? []) {
      if (d.category === 'error') out[d.reason] = (out[d.reason] ?? 0) + d.quantity;
    }
  }
  return out;
}

function erroredSessions(sink: Sink): number {
  let errored = 0;
  for (const item of sink.items.filter((i) => i.type === 'sessions')) {
    for (const a of item.payload['aggregates'] as Array<{ errored: number }>) errored += a.errored;
  }
  return errored;
}

testFixtures([
  {
    name: 'a storm of 2 000 failing requests of two kinds sends the first events of each, counts the rest',
    app: 'storm-app',
    traffic: async (proc) => {
      await drive(proc, REQUESTS, (i) => ['POST', i % 2 ? `/inventory/${i}` : `/checkout/${i}`]);
      proc.signal('SIGTERM');
      assert.equal((await proc.exited).code, 143);
    },
    expect: (sink, proc) => {
      const inventory = eventsOfType(sink, 'Error');
      const checkout = eventsOfType(sink, 'TypeError');
      assert.ok(inventory >= 5 && inventory <= MAX_PER_GROUP, `${inventory} events of the first kind`);
      assert.ok(checkout >= 5 && checkout <= MAX_PER_GROUP, `${checkout} events of the second kind`);
      assert.deepEqual(discarded(sink), { sample_rate: REQUESTS - inventory - checkout });
      assert.equal(erroredSessions(sink), REQUESTS);
      // One warning says what is happening, and the exit summary counts it.
      assert.equal(proc.stderr().match(/an error storm: events are sampled/g)?.length, 1, proc.stderr());
      assert.match(proc.stderr(), new RegExp(`dropped ${REQUESTS - inventory - checkout} events: group-budget=`));
    },
  },
  {
    name: 'a 5 MB error message arrives cut to 8 KB',
    app: 'storm-app',
    traffic: async (proc, sink) => {
      assert.equal((await proc.request('POST', '/big')).status, 500);
      await sink.waitFor('the event', (s) => s.events().length === 1);
      proc.signal('SIGTERM');
      await proc.exited;
    },
    expect: (sink) => {
      const value = (sink.events()[0]?.['exception'] as { values: Array<{ value: string }> }).values.at(-1)?.value ?? '';
      assert.ok(value.length <= 8_192 + 20, `${value.length} characters`);
      assert.ok(value.startsWith('huge xxx'));
      assert.ok(Math.max(...sink.requests.map((r) => r.body.length)) < 200_000, 'an envelope was not bounded');
    },
  },
]);
