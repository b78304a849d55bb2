/**
 * Request sessions, on the real Sentry SDK and a real node:http server
 * (in-memory transport): requests that never touch Sentry are counted by plain
 * counters, those that do by Sentry's own request sessions, and both arrive as
 * `sessions` aggregates when the client flushes. Probes never count, and a
 * route error the framework answers keeps its request `errored`.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as Sentry from '@sentry/node';
import type { Envelope } from '@sentry/core';
import { makeCapture } from '../../src/events/capture.js';
import { isolateRequests, lazyIsolation } from '../../src/requests/isolation.js';
import { countsAsSession, PlainCounts, startRequestSessions } from '../../src/requests/sessions.js';
import type { RequestSessions } from '../../src/requests/sessions.js';

test('which paths count as a session: everything but the probes, whatever their query or trailing slash', () => {
  const table: Array<[string | undefined, boolean]> = [
    ['/users/1', true],
    ['/r', true],
    ['/readinessx', true],
    ['/metrics/cpu', true],
    ['/login', true],
    ['/m', true],
    ['//', false],
    ['/', false],
    [undefined, false],
    ['/?probe=1', false],
    ['/readiness', false],
    ['/readiness/', false],
    ['/liveness?full=1', false],
    ['/metrics#x', false],
  ];
  for (const [url, counts] of table) assert.equal(countsAsSession(url), counts, String(url));
});

test('plain counts are kept per minute and sent once, as the aggregates Sentry sends', () => {
  let now = Date.UTC(2026, 11, 3, 21, 0, 5);
  const sent: unknown[] = [];
  const counts = new PlainCounts({ sendSession: (s) => void sent.push(s) }, () => now);
  counts.exited();
  now += 50_000;
  counts.exited();
  now += 10_000;
  counts.exited();
  counts.exited();
  // One of this minute's requests had its error reported after its response.
  counts.erroredLate();
  counts.send();
  counts.send();
  assert.deepEqual(sent, [
    {
      aggregates: [
        { started: '2026-12-03T21:00:00.000Z', exited: 2, errored: 0, crashed: 0 },
        { started: '2026-12-03T21:01:00.000Z', exited: 1, errored: 1, crashed: 0 },
      ],
    },
  ]);
});

const envelopes: Envelope[] = [];
let reportedLate: () => void = () => undefined;
const lateReport = new Promise<void>((resolve) => (reportedLate = resolve));
let sessions: RequestSessions;
let undo: () => void;
let port: number;
const server = createServer((req, res) => {
  const path = req.url ?? '/';
  if (path.includes('touch')) Sentry.addBreadcrumb({ message: 'touched' });
  if (path.startsWith('/fail')) {
    // As the framework captures route errors: not handled, and the process goes on.
    makeCapture(Sentry, { settle: sessions.settle })(new Error('route failed'), { type: 'auto.test', handled: false });
    res.statusCode = 500;
  }
  if (path.startsWith('/late')) {
    res.end('done');
    Sentry.addBreadcrumb({ message: 'after the response' });
    return;
  }
  if (path.startsWith('/answered-then-failed')) {
    // As Express's finalhandler does: the 500 first, the error report a tick later.
    res.statusCode = 500;
    res.end('failed');
    setImmediate(() => {
      makeCapture(Sentry, { settle: sessions.settle })(new Error('reported late'), { type: 'auto.test', handled: false });
      reportedLate();
    });
    return;
  }
  res.end('done');
});

before(async () => {
  // No default integrations: Sentry's own Http integration would count request sessions too.
  Sentry.initWithoutDefaultIntegrations({
    dsn: 'http://key@127.0.0.1:9/1',
    release: 'shop@2.0.0',
    environment: 'test',
    tracesSampleRate: null as unknown as undefined,
    transport: () => ({
      send: (envelope: Envelope) => {
        envelopes.push(envelope);
        return Promise.resolve({});
      },
      flush: () => Promise.resolve(true),
    }),
  });
  const client = Sentry.getClient();
  assert.ok(client);
  sessions = startRequestSessions(client);
  const isolate = lazyIsolation(Sentry, sessions.forked);
  assert.ok(isolate);
  undo = isolateRequests(isolate);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  sessions.close();
  undo();
  server.close();
  await Sentry.close(100);
});

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** The request-session counts of every `sessions` item sent so far. */
function totals(): { exited: number; errored: number; crashed: number } {
  const sum = { exited: 0, errored: 0, crashed: 0 };
  for (const [, items] of envelopes) {
    for (const [header, payload] of items) {
      if (header.type !== 'sessions') continue;
      const { aggregates, attrs } = payload as { aggregates: Array<typeof sum>; attrs: unknown };
      assert.deepEqual(attrs, { release: 'shop@2.0.0', environment: 'test' });
      for (const a of aggregates) for (const k of ['exited', 'errored', 'crashed'] as const) sum[k] += a[k];
    }
  }
  return sum;
}

test('untouched, touched, failing, late-touched and late-failing requests each count once; probes never', async () => {
  // A probe that touches Sentry still does not count.
  const paths = ['/a', '/b', '/touch/1', '/touch/2', '/fail/1', '/late/1', '/readiness', '/', '/metrics?touch=1'];
  for (const path of paths) await get(path);
  await get('/fail/2');
  await get('/answered-then-failed/1');
  await lateReport;
  await Sentry.flush(500);
  const events = envelopes.flatMap(([, items]) => items.filter(([h]) => h.type === 'event'));
  assert.equal(events.length, 3);
  assert.deepEqual(totals(), { exited: 5, errored: 3, crashed: 0 });
});
