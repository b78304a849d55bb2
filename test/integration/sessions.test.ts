/**
 * Release health: every served request is one request session, and the
 * `sessions` items the sink receives add up to the traffic that was driven.
 * Probes (`/readiness`, `/liveness`, `/metrics`, `/`) never count; a request
 * whose error was captured is `errored`, one that took the process down is
 * `crashed`. Sessions are sent at SIGTERM, when the process runs out of work,
 * and at a crash, with the release and environment the events carry.
 */
import assert from 'node:assert/strict';
import type { EnvelopeItem, Sink } from '../support/sink.js';
import { drive, testFixtures } from '../support/runner.js';
import type { Fixture, Proc } from '../support/runner.js';

const RELEASE = 'lightspeed-stack@1.2.3';
const ENVIRONMENT = 'staging';
const SERVED = 12;
const FAILING = 5;
const PROBES = ['/readiness', '/liveness', '/metrics', '/', '/readiness?verbose=1', '/liveness/'];

interface Counts {
  exited: number;
  errored: number;
  crashed: number;
}

/** The sum of every request-session aggregate at the sink, and the attributes they came with. */
function sessionTotals(sink: Sink): Counts & { attrs: Array<Record<string, unknown>> } {
  const totals = { exited: 0, errored: 0, crashed: 0, attrs: [] as Array<Record<string, unknown>> };
  for (const item of sink.items.filter((i: EnvelopeItem) => i.type === 'sessions')) {
    totals.attrs.push(item.payload['attrs'] as Record<string, unknown>);
    for (const a of item.payload['aggregates'] as Array<Partial<Counts>>) {
      totals.exited += a.exited ?? 0;
      totals.errored += a.errored ?? 0;
      totals.crashed += a.crashed ?? 0;
    }
  }
  return totals;
}

function expectTotals(sink: Sink, expected: Counts): void {
  const { attrs, ...counts } = sessionTotals(sink);
  assert.deepEqual(counts, expected, JSON.stringify(sink.items.filter((i) => i.type === 'sessions').map((i) => i.payload)));
  assert.ok(attrs.length > 0);
  for (const a of attrs) assert.deepEqual(a, { release: RELEASE, environment: ENVIRONMENT });
}

/** Served, failing and probe requests, interleaved; every failing one answered with a 500. */
async function mixedTraffic(proc: Proc, ok: (i: number) => [string, string], fail: (i: number) => [string, string]): Promise<void> {
  const total = SERVED + FAILING + PROBES.length * 2;
  await drive(proc, total, (i) => {
    if (i < SERVED) return ok(i);
    if (i < SERVED + FAILING) return fail(i);
    return ['GET', PROBES[i % PROBES.length] ?? '/'];
  });
}

async function stopWithSigterm(proc: Proc): Promise<void> {
  proc.signal('SIGTERM');
  assert.equal((await proc.exited).code, 143);
}

const env = { SENTRY_ENVIRONMENT: ENVIRONMENT };

const framework = (name: string, app: string): Fixture => ({
  name: `${name}: served and failing requests are sessions, probes are not, sent at SIGTERM`,
  app,
  env,
  traffic: async (proc) => {
    await mixedTraffic(
      proc,
      (i) => [i % 2 ? 'POST' : 'GET', `/users/${i}`],
      (i) => ['POST', `/fail/${i}`],
    );
    // Every response is in, so every capture has run; Sentry's dedupe may drop repeats of the
    // same error, but the request is errored all the same.
    await stopWithSigterm(proc);
  },
  expect: (sink) => {
    expectTotals(sink, { exited: SERVED, errored: FAILING, crashed: 0 });
    assert.ok(sink.events().length > 0);
    for (const event of sink.events()) assert.equal(event['release'], RELEASE);
  },
});

testFixtures([
  framework('Express 5', 'express-app'),
  framework('Fastify 5', 'fastify-app'),
  {
    name: 'node:http: errors the app reports are errored sessions, probes do not count, sent at SIGTERM',
    app: 'sessions-http',
    env,
    traffic: async (proc, sink) => {
      await mixedTraffic(
        proc,
        (i) => [i % 2 ? 'POST' : 'GET', `/ok/${i}`],
        (i) => ['POST', `/fail/${i}`],
      );
      await sink.waitFor("the failing requests' events", (s) => s.events().length === FAILING);
      await stopWithSigterm(proc);
    },
    expect: (sink) => expectTotals(sink, { exited: SERVED, errored: FAILING, crashed: 0 }),
  },
  {
    name: 'node:http: a process that runs out of work sends its sessions as it ends',
    app: 'sessions-http',
    env,
    traffic: async (proc) => {
      await drive(proc, 4, (i) => ['GET', `/ok/${i}`]);
      assert.equal((await proc.request('GET', '/stop')).body, 'stopping');
      assert.equal((await proc.exited).code, 0);
    },
    expect: (sink) => expectTotals(sink, { exited: 5, errored: 0, crashed: 0 }),
  },
  {
    name: 'node:http: the request that crashes the process is a crashed session, sent before it dies',
    app: 'sessions-http',
    env,
    traffic: async (proc) => {
      await drive(proc, 3, (i) => ['GET', `/ok/${i}`]);
      await proc.request('GET', '/crash').catch(() => undefined);
      assert.equal((await proc.exited).code, 1);
    },
    expect: (sink) => expectTotals(sink, { exited: 3, errored: 0, crashed: 1 }),
  },
  {
    name: 'SENTRY_RELEASE_HEALTH=false sends no session of any kind',
    app: 'sessions-http',
    env: { ...env, SENTRY_RELEASE_HEALTH: 'false' },
    traffic: async (proc, sink) => {
      await mixedTraffic(
        proc,
        (i) => ['GET', `/ok/${i}`],
        (i) => ['POST', `/fail/${i}`],
      );
      await sink.waitFor("the failing requests' events", (s) => s.events().length === FAILING);
      await stopWithSigterm(proc);
    },
    expect: (sink) => {
      assert.deepEqual(
        sink.items.filter((i) => i.type === 'sessions' || i.type === 'session'),
        [],
      );
    },
  },
]);
