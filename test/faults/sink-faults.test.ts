/**
 * Sentry misbehaving must cost the app nothing: with the sink down, hanging,
 * slow, rate limiting or failing, the app serves with the latency it has
 * against a healthy sink (measured side by side in this run), exits within the
 * shutdown bound on SIGTERM, raises no unhandled error and logs at most one
 * warning per kind of failure.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { spawnFixture } from '../support/runner.js';
import { startCollector } from '../support/collector.js';
import { drive } from '../support/runner.js';
import { figures, JSON_BODY, measure, percentile, refusedDsn, SHUTDOWN_BOUND_MS, sinkFor, warningLines } from '../support/faults.js';
import type { Fault } from '../support/faults.js';

const MEASURED = 600;
let baselineP99 = NaN;

after(() => {
  for (const f of figures) console.log(`FIGURE | ${f.scenario} | ${f.bound} | ${f.measured}`);
});

test('sink up, SIGTERM right after a burst of 50 errors and 200 sampled POSTs: nothing lost', async () => {
  const sink = await sinkFor('up');
  assert.ok(sink);
  try {
    const { proc, command } = await spawnFixture('fault-app.mjs', 'import', { SENTRY_DSN: sink.dsn, SENTRY_TRACES_SAMPLE_RATE: '1' });
    await drive(proc, 250, (i) => (i % 5 === 0 ? ['POST', `/error/${i}`, JSON_BODY] : ['POST', `/work/${i}`, JSON_BODY]));
    proc.signal('SIGTERM');
    const exit = await proc.exited;
    const errors = sink.events().length;
    // The 50 errors are one kind ("distinct failure number N"): the storm budget sends the
    // first 5 and Sentry's client reports count the rest. Every one is accounted for.
    let sampled = 0;
    for (const item of sink.items.filter((i) => i.type === 'client_report')) {
      for (const d of item.payload['discarded_events'] as Array<{ reason: string; quantity: number }>) {
        if (d.reason === 'sample_rate') sampled += d.quantity;
      }
    }
    const spans = sink.spans.filter((s) => s.kind === 2).length;
    const sessions = { exited: 0, errored: 0 };
    for (const item of sink.items.filter((i) => i.type === 'sessions')) {
      for (const a of item.payload['aggregates'] as Array<{ exited: number; errored: number }>) {
        sessions.exited += a.exited;
        sessions.errored += a.errored;
      }
    }
    figures.push({
      scenario: 'sink up, SIGTERM right after 50 errors + 200 sampled POSTs',
      bound: `50 errors (5 sent, 45 in client reports), 250 spans, 250 request sessions (50 errored), exit 143, ≤ ${SHUTDOWN_BOUND_MS} ms`,
      measured: `${errors} sent + ${sampled} in client reports, ${spans} spans, ${sessions.exited + sessions.errored} sessions (${sessions.errored} errored), exit ${exit.code}, ${exit.afterSignalMs} ms`,
    });
    assert.equal(exit.code, 143, command);
    assert.ok((exit.afterSignalMs ?? Infinity) <= SHUTDOWN_BOUND_MS, `${exit.afterSignalMs} ms`);
    assert.equal(errors, 5, command);
    assert.equal(errors + sampled, 50, command);
    assert.equal(spans, 250, command);
    // Release health is flushed in the same budget.
    assert.deepEqual(sessions, { exited: 200, errored: 50 }, command);
  } finally {
    await sink.close();
  }
});

// Each run sends its request sessions in the SIGTERM flush too (release health is on by default).
for (const fault of ['up', 'up again', 'down', 'hanging', 'slow', '429', '500'] as const) {
  test(`sink ${fault}: latency as with a healthy sink, bounded SIGTERM, no unhandled error, no log flood`, async () => {
    const sink = await sinkFor(fault === 'up again' ? 'up' : (fault as Fault));
    const dsn = sink?.dsn ?? (await refusedDsn());
    try {
      const { proc, command } = await spawnFixture('fault-app.mjs', 'import', { SENTRY_DSN: dsn, SENTRY_TRACES_SAMPLE_RATE: '1' });
      const latencies = await measure(proc, MEASURED);
      const p99 = percentile(latencies, 99);
      proc.signal('SIGTERM');
      const exit = await proc.exited;
      const warnings = warningLines(proc.stderr());
      if (fault === 'up') baselineP99 = p99;
      // Not a performance goal (those live in bench/): a request path that waited on the sink
      // would cost the fault's own delay (5 s slow, 10 s hanging, a connect timeout when down).
      // Twice the baseline plus 25 ms stays far below that and above this VM's drift, which
      // moved healthy p99s by 20-35% when other work shared the 2 cores.
      const bound = baselineP99 * 2 + 25;
      figures.push({
        scenario: `sink ${fault}: ${MEASURED} requests (¾ sampled POSTs, ¼ errors), then SIGTERM`,
        bound:
          fault === 'up'
            ? `baseline; exit ≤ ${SHUTDOWN_BOUND_MS} ms`
            : `p99 ≤ ${bound.toFixed(2)} ms; exit ≤ ${SHUTDOWN_BOUND_MS} ms; ≤ 3 warnings`,
        measured: `p99 ${p99.toFixed(2)} ms; exit ${exit.code} after ${exit.afterSignalMs} ms; ${warnings.length} warning(s)`,
      });
      assert.equal(exit.code, 143, `${command}\n${proc.stderr()}`);
      assert.ok((exit.afterSignalMs ?? Infinity) <= SHUTDOWN_BOUND_MS, `exit took ${exit.afterSignalMs} ms`);
      assert.ok(!/Unhandled|uncaught/i.test(proc.stderr()), proc.stderr());
      assert.ok(warnings.length <= 3, warnings.join('\n'));
      if (fault !== 'up') {
        assert.ok(p99 <= bound, `p99 ${p99.toFixed(2)} ms against a baseline of ${baselineP99.toFixed(2)} ms`);
        // Failures are reported, once: never silent, never a flood.
        if (fault === 'down' || fault === '429' || fault === '500') assert.ok(warnings.length >= 1, 'the failure was not reported');
      }
    } finally {
      await sink?.close();
    }
  });
}

// The second trace backend misbehaving must cost neither the app nor Sentry anything.
const COLLECTOR_FAULTS = {
  down: undefined,
  hanging: { hang: true },
  slow: { delayMs: 5000 },
  '503': { status: 503 },
} as const;

for (const [fault, options] of Object.entries(COLLECTOR_FAULTS)) {
  test(`collector ${fault}, Sentry up: latency as with no collector trouble, Sentry gets every span, bounded SIGTERM`, async () => {
    const sink = await sinkFor('up');
    assert.ok(sink);
    const collector = options ? await startCollector(options) : undefined;
    const endpoint = collector?.url ?? new URL(await refusedDsn()).origin;
    try {
      const { proc, command } = await spawnFixture('fault-app.mjs', 'import', {
        SENTRY_DSN: sink.dsn,
        SENTRY_TRACES_SAMPLE_RATE: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      });
      const latencies = await measure(proc, MEASURED);
      const p99 = percentile(latencies, 99);
      proc.signal('SIGTERM');
      const exit = await proc.exited;
      const warnings = warningLines(proc.stderr());
      const spans = sink.spans.filter((s) => s.kind === 2).length;
      const sent = MEASURED + 100; // measure() adds 100 unmeasured warm-up requests, all sampled POSTs
      const bound = baselineP99 * 2 + 25;
      figures.push({
        scenario: `collector ${fault}, Sentry up: ${MEASURED} requests, then SIGTERM`,
        bound: `p99 ≤ ${bound.toFixed(2)} ms; ${sent} spans at Sentry; exit ≤ ${SHUTDOWN_BOUND_MS} ms`,
        measured: `p99 ${p99.toFixed(2)} ms; ${spans} spans at Sentry, ${collector?.requests.length ?? 0} exports tried at the collector; exit ${exit.code} after ${exit.afterSignalMs} ms; ${warnings.length} warning(s)`,
      });
      assert.equal(exit.code, 143, `${command}\n${proc.stderr()}`);
      assert.ok((exit.afterSignalMs ?? Infinity) <= SHUTDOWN_BOUND_MS, `exit took ${exit.afterSignalMs} ms`);
      assert.ok(p99 <= bound, `p99 ${p99.toFixed(2)} ms against a baseline of ${baselineP99.toFixed(2)} ms`);
      assert.equal(spans, sent, 'the collector held Sentry spans back');
      assert.ok(!/Unhandled|uncaught/i.test(proc.stderr()), proc.stderr());
      assert.ok(warnings.length <= 3, warnings.join('\n'));
      if (fault === 'down' || fault === '503') {
        assert.ok(
          warnings.some((w) => w.includes('spans could not be sent to the OTLP collector')),
          'the failure was not reported',
        );
      }
      assert.ok(!warnings.some((w) => w.includes('to Sentry')), warnings.join('\n'));
    } finally {
      await Promise.all([sink.close(), collector?.close()]);
    }
  });
}

// An error storm while Sentry refuses (429 with Retry-After) or never answers: the events it
// would throw away are not built, memory stays flat, and SIGTERM still ends within the bound.
for (const fault of ['429', 'hanging'] as const) {
  test(`error storm of 1000 failing requests, sink ${fault}: bounded sends, flat memory, bounded SIGTERM`, async () => {
    const sink = await sinkFor(fault);
    assert.ok(sink);
    try {
      const { proc, command } = await spawnFixture('fault-app.mjs', 'import', { SENTRY_DSN: sink.dsn });
      const heap = async (): Promise<number> => (JSON.parse((await proc.request('GET', '/memory')).body) as { heapUsed: number }).heapUsed;
      const before = await heap();
      await drive(proc, 1000, (i) => ['POST', `/error/${i}`, JSON_BODY]);
      const grown = (await heap()) - before;
      const envelopes = sink.requests.filter((r) => r.url.includes('/envelope/')).length;
      proc.signal('SIGTERM');
      const exit = await proc.exited;
      figures.push({
        scenario: `error storm, sink ${fault}: 1000 failing requests of one kind, then SIGTERM`,
        bound: `≤ 10 envelopes tried; heap ≤ +60 MB; exit ≤ ${SHUTDOWN_BOUND_MS} ms`,
        measured: `${envelopes} envelopes tried; heap ${(grown / 1e6).toFixed(1)} MB; exit ${exit.code} after ${exit.afterSignalMs} ms`,
      });
      assert.equal(exit.code, 143, `${command}\n${proc.stderr()}`);
      assert.ok((exit.afterSignalMs ?? Infinity) <= SHUTDOWN_BOUND_MS, `exit took ${exit.afterSignalMs} ms`);
      // 429: the first answer stops every later event from being built; hanging: the storm budget's 5.
      assert.ok(envelopes <= 10, `${envelopes} envelopes tried`);
      assert.ok(grown <= 60e6, `heap grew by ${grown} bytes`);
      assert.match(proc.stderr(), fault === '429' ? /dropped \d+ events: .*sentry-refusing=\d+/ : /dropped \d+ events: .*group-budget=\d+/);
    } finally {
      await sink.close();
    }
  });
}
