/**
 * The process around the preload: a backlog while Sentry is down stays
 * bounded, the app's own shutdown and crashes keep Node's exit codes (after
 * delivery), and an app that initialises Sentry or OTel itself does not crash
 * or duplicate anything.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { drive, spawnFixture } from '../support/runner.js';
import { testCerts } from '../support/certs.js';
import { startSink } from '../support/sink.js';
import { figures, JSON_BODY, refusedDsn, SHUTDOWN_BOUND_MS, warningLines } from '../support/faults.js';

// The bound is on the heap still in use after a full GC: what a backlog really retains. RSS is
// reported too, but V8 keeps freed pages for a while, so RSS alone cannot tell growth from a leak.
const HEAP_BOUND_MB = 20;
const ROUNDS = 4;
const PER_ROUND = 2500;

after(() => {
  for (const f of figures) console.log(`FIGURE | ${f.scenario} | ${f.bound} | ${f.measured}`);
});

const memoryOf = async (request: (m: string, p: string) => Promise<{ body: string }>): Promise<{ rss: number; heap: number }> => {
  const { rss, heapUsed } = JSON.parse((await request('GET', '/memory')).body) as { rss: number; heapUsed: number };
  return { rss: rss / 2 ** 20, heap: heapUsed / 2 ** 20 };
};

for (const fault of ['down', 'hanging'] as const) {
  test(`backlog: ${ROUNDS * PER_ROUND} errors while the sink is ${fault}: retained memory stays bounded, the app responsive`, async () => {
    const sink = fault === 'hanging' ? await startSink({ hang: true }) : undefined;
    try {
      const { proc, command } = await spawnFixture('fault-app.mjs', 'import', { SENTRY_DSN: sink?.dsn ?? (await refusedDsn()) });
      const request = (m: string, p: string) => proc.request(m, p);
      await drive(proc, 200, (i) => ['POST', `/error/warmup-${i}`, JSON_BODY]);
      const marks = [await memoryOf(request)];
      for (let round = 0; round < ROUNDS; round++) {
        await drive(proc, PER_ROUND, (i) => ['POST', `/error/${round}-${i}`, JSON_BODY]);
        marks.push(await memoryOf(request));
      }
      const started = Date.now();
      assert.equal((await proc.request('POST', '/work/1', JSON_BODY)).status, 200);
      const responseMs = Date.now() - started;
      proc.signal('SIGTERM');
      const exit = await proc.exited;
      const first = marks[0] ?? { rss: NaN, heap: NaN };
      const last = marks.at(-1) ?? { rss: NaN, heap: NaN };
      const heapGrowth = last.heap - first.heap;
      figures.push({
        scenario: `backlog: ${ROUNDS * PER_ROUND} errors, sink ${fault}`,
        bound: `heap in use after GC grows ≤ ${HEAP_BOUND_MB} MB; exit ≤ ${SHUTDOWN_BOUND_MS} ms`,
        measured:
          `heap after GC every ${PER_ROUND}: ${marks.map((m) => m.heap.toFixed(1)).join(' → ')} MB (+${heapGrowth.toFixed(1)}); ` +
          `RSS ${first.rss.toFixed(0)} → ${last.rss.toFixed(0)} MB; next request ${responseMs} ms; exit ${exit.code} after ${exit.afterSignalMs} ms`,
      });
      assert.ok(heapGrowth <= HEAP_BOUND_MB, `the heap grew by ${heapGrowth.toFixed(1)} MB\n${command}`);
      assert.equal(exit.code, 143);
      assert.ok((exit.afterSignalMs ?? Infinity) <= SHUTDOWN_BOUND_MS, `${exit.afterSignalMs} ms`);
      // One per kind: spans, events, the SIGTERM flush, and the storm budget (10 000 errors of one kind).
      assert.ok(warningLines(proc.stderr()).length <= 4, proc.stderr());
    } finally {
      await sink?.close();
    }
  });
}

test('app-owned shutdown: the app drains 1 s and exits 0; our flush runs and the exit code is the app’s', async () => {
  const sink = await startSink();
  try {
    const { proc } = await spawnFixture('exit-app.mjs', 'import', {
      SENTRY_DSN: sink.dsn,
      SENTRY_TRACES_SAMPLE_RATE: '1',
      DRAIN_MS: '1000',
    });
    await proc.request('POST', '/orders/1', JSON_BODY);
    proc.signal('SIGTERM');
    const exit = await proc.exited;
    figures.push({
      scenario: 'app drains 1 s on SIGTERM, exits 0',
      bound: 'exit 0, the span delivered',
      measured: `exit ${exit.code} after ${exit.afterSignalMs} ms, ${sink.spans.length} span(s)`,
    });
    assert.equal(exit.code, 0);
    assert.equal(sink.spans.length, 1);
  } finally {
    await sink.close();
  }
});

test('app-owned shutdown: an app calling process.exit(3) on SIGTERM exits 3', async () => {
  const sink = await startSink();
  try {
    const { proc } = await spawnFixture('exit-app.mjs', 'import', { SENTRY_DSN: sink.dsn, EXIT_CODE: '3' });
    proc.signal('SIGTERM');
    const exit = await proc.exited;
    figures.push({
      scenario: 'app calls process.exit(3) on SIGTERM',
      bound: 'exit 3',
      measured: `exit ${exit.code} after ${exit.afterSignalMs} ms`,
    });
    assert.equal(exit.code, 3);
  } finally {
    await sink.close();
  }
});

for (const [path, what] of [
  ['/throw', 'uncaught exception'],
  ['/reject', 'unhandled rejection'],
] as const) {
  test(`crash path, ${what}: the event is delivered, then the exit code is Node's own (1)`, async () => {
    const sink = await startSink();
    try {
      const { proc } = await spawnFixture('http-app.mjs', 'import', { SENTRY_DSN: sink.dsn });
      const started = Date.now();
      await proc.request('POST', path, JSON_BODY).catch(() => undefined);
      const exit = await proc.exited;
      figures.push({
        scenario: `crash: ${what}`,
        bound: 'event delivered, exit 1',
        measured: `${sink.events().length} event(s), exit ${exit.code}, ${Date.now() - started} ms from request to exit`,
      });
      assert.equal(exit.code, 1);
      assert.equal(sink.events().length, 1);
    } finally {
      await sink.close();
    }
  });
}

for (const foreign of ['sentry', 'otel'] as const) {
  test(`foreign init (${foreign === 'sentry' ? 'the app calls Sentry.init' : 'the app registers an OTel provider'}): no crash, nothing twice, one warning`, async () => {
    const sink = await startSink();
    try {
      const { proc, command } = await spawnFixture('foreign-init-app.mjs', 'import', {
        SENTRY_DSN: sink.dsn,
        SENTRY_TRACES_SAMPLE_RATE: '1',
        FOREIGN: foreign,
      });
      assert.equal((await proc.request('POST', '/work/1', JSON_BODY)).status, 200);
      assert.equal((await proc.request('POST', '/error/1', JSON_BODY)).status, 500);
      await sink.waitFor('the error event', (s) => s.events().length >= 1);
      proc.signal('SIGTERM');
      const exit = await proc.exited;
      const ours = warningLines(proc.stderr());
      figures.push({
        scenario: `foreign init: ${foreign}`,
        bound: 'exit 143, 1 event, 1 span per request, 1 warning',
        measured: `exit ${exit.code}, ${sink.events().length} event(s), ${sink.spans.filter((s) => s.kind === 2).length} server span(s), ${ours.length} warning(s)`,
      });
      assert.equal(exit.code, 143, `${command}\n${proc.stderr()}`);
      assert.equal(sink.events().length, 1, 'an error was captured twice');
      assert.equal(sink.spans.filter((s) => s.kind === 2).length, 2, 'a request was traced twice, or not at all');
      assert.equal(ours.length, 1, proc.stderr());
      assert.match(ours[0] ?? '', foreign === 'sentry' ? /called Sentry\.init\(\) itself/ : /its own OpenTelemetry provider/);
    } finally {
      await sink.close();
    }
  });
}

test('private CA: without SENTRY_CA_CERTS the HTTPS sink is refused (TLS is never turned off), and with it events arrive', async () => {
  const sink = await startSink({ tls: testCerts() });
  try {
    for (const withCa of [false, true]) {
      const before = sink.requests.length;
      const env = { SENTRY_DSN: sink.dsn, SENTRY_TRACES_SAMPLE_RATE: '1', ...(withCa ? { SENTRY_CA_CERTS: testCerts().caPath } : {}) };
      const { proc } = await spawnFixture('fault-app.mjs', 'import', env);
      assert.equal((await proc.request('POST', '/error/1', JSON_BODY)).status, 500);
      proc.signal('SIGTERM');
      const exit = await proc.exited;
      const received = sink.requests.length - before;
      const warnings = warningLines(proc.stderr());
      figures.push({
        scenario: `private CA ${withCa ? 'given' : 'not given'}`,
        bound: withCa ? 'event and span delivered' : 'nothing delivered, one warning per kind',
        measured: `${received} request(s) at the sink, exit ${exit.code}, ${warnings.length} warning(s)`,
      });
      assert.equal(exit.code, 143);
      if (withCa) {
        assert.ok(received >= 2, `only ${received} request(s) arrived`);
      } else {
        assert.equal(received, 0);
        assert.ok(
          warnings.some((w) => /certificate/i.test(w)),
          proc.stderr(),
        );
      }
    }
  } finally {
    await sink.close();
  }
});

test('a process that finishes its work exits even while Sentry hangs (bounded flush, unreferenced sockets)', async () => {
  const sink = await startSink({ hang: true });
  try {
    const { proc } = await spawnFixture('one-shot-app.mjs', 'import', { SENTRY_DSN: sink.dsn, SENTRY_TRACES_SAMPLE_RATE: '1' });
    const started = Date.now();
    await proc.request('POST', '/jobs/1', JSON_BODY);
    const exit = await proc.exited;
    const elapsed = Date.now() - started;
    figures.push({
      scenario: 'work done while the sink hangs',
      bound: `exits by itself, ≤ ${SHUTDOWN_BOUND_MS} ms after the last request`,
      measured: `exit ${exit.code} after ${elapsed} ms`,
    });
    assert.equal(exit.code, 0);
    assert.ok(elapsed <= SHUTDOWN_BOUND_MS, `the process stayed up ${elapsed} ms`);
  } finally {
    await sink.close();
  }
});
