import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { DropLedger } from '../../src/events/drops.js';
import type { DropReason } from '../../src/events/noise.js';

/** A logger that keeps its lines, by level. */
function recordingLog(): { debug(m: string): void; info(m: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (m) => void lines.push(`debug ${m}`), info: (m) => void lines.push(`info ${m}`) };
}

/** Stands in for `process`: only `once('exit')` is used. */
function fakeProcess(): EventEmitter & NodeJS.Process {
  // A bare EventEmitter is enough for reportAtExit; the cast only satisfies the parameter type.
  return new EventEmitter() as EventEmitter & NodeJS.Process;
}

describe('DropLedger', () => {
  const summaries: Array<{ name: string; drops: DropReason[]; expected: string | undefined }> = [
    { name: 'nothing dropped', drops: [], expected: undefined },
    { name: 'one event', drops: ['rate-limit'], expected: 'dropped 1 event: rate-limit=1' },
    {
      name: 'three events, two reasons',
      drops: ['client-disconnect', 'rate-limit', 'client-disconnect'],
      expected: 'dropped 3 events: client-disconnect=2, rate-limit=1',
    },
    {
      name: 'reasons sorted by name, whatever the order of drops',
      drops: ['rate-limit', 'ignored', 'health-route', 'client-disconnect', 'ignored'],
      expected: 'dropped 5 events: client-disconnect=1, health-route=1, ignored=2, rate-limit=1',
    },
  ];
  for (const c of summaries) {
    test(`summary: ${c.name}`, () => {
      const ledger = new DropLedger(recordingLog());
      for (const reason of c.drops) ledger.record(reason, 'Error: x');
      assert.equal(ledger.summary(), c.expected);
      assert.equal(ledger.total, c.drops.length);
    });
  }

  test('one debug line per drop, nothing at info', () => {
    const log = recordingLog();
    const ledger = new DropLedger(log);
    ledger.record('client-disconnect', 'Error: read ECONNRESET');
    ledger.record('health-route', 'span GET /readiness');
    assert.deepEqual(log.lines, [
      'debug dropped Error: read ECONNRESET (client-disconnect)',
      'debug dropped span GET /readiness (health-route)',
    ]);
  });

  test('reportAtExit prints the summary once, at exit', () => {
    const log = recordingLog();
    const ledger = new DropLedger(log);
    const proc = fakeProcess();
    ledger.reportAtExit(proc);
    ledger.record('rate-limit', 'Error: Too Many Requests');
    ledger.record('rate-limit', 'Error: Too Many Requests');
    assert.equal(log.lines.filter((l) => l.startsWith('info')).length, 0, 'nothing before exit');
    proc.emit('exit', 0);
    proc.emit('exit', 0);
    assert.deepEqual(
      log.lines.filter((l) => l.startsWith('info')),
      ['info dropped 2 events: rate-limit=2'],
    );
    assert.equal(proc.listenerCount('exit'), 0);
  });

  test('reportAtExit prints nothing when nothing was dropped', () => {
    const log = recordingLog();
    const proc = fakeProcess();
    new DropLedger(log).reportAtExit(proc);
    proc.emit('exit', 0);
    assert.deepEqual(log.lines, []);
  });

  test('the summary counts drops up to the moment of exit', () => {
    const log = recordingLog();
    const ledger = new DropLedger(log);
    const proc = fakeProcess();
    ledger.reportAtExit(proc);
    ledger.record('ignored', 'Error: a');
    proc.emit('exit', 0);
    ledger.record('ignored', 'Error: b');
    assert.deepEqual(
      log.lines.filter((l) => l.startsWith('info')),
      ['info dropped 1 event: ignored=1'],
    );
  });
});
