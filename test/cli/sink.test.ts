/**
 * `sentry-register sink`: the bin's local receiver. The end-to-end cases run
 * the bin as package.json names it against a real preloaded app, and wait for
 * the lines it prints.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describeItem, describeSpan, parseArrival } from '../../src/cli/sink.js';
import type { EnvelopeItem } from '../../src/cli/sink.js';
import { arrivals } from '../support/sink.js';
import { ROOT, spawnFixture } from '../support/runner.js';
import { runBin } from '../support/bin.js';
import type { BinRun } from '../support/bin.js';

const BIN = join(
  ROOT,
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['sentry-register'] ?? '',
);

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly dsn: string;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  stop(): Promise<number | null>;
}

/** Starts the bin's sink and resolves once it prints the DSN to use. */
async function startBinSink(args: readonly string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'sink', '--port', '0', ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' } });
  let stdout = '';
  let stderr = '';
  const out = arrivals(
    () => stdout,
    (what) => `timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
  );
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    out.arrived();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    out.arrived();
  });
  const dsnOf = (): string | undefined => /SENTRY_DSN=(\S+)\n/.exec(stderr)?.[1];
  await out.waitFor('the DSN line', () => dsnOf() !== undefined);
  const find = (pattern: RegExp): string | undefined =>
    stdout
      .split('\n')
      .slice(0, -1)
      .find((l) => pattern.test(l));
  return {
    child,
    dsn: dsnOf() ?? '',
    async line(pattern) {
      await out.waitFor(`a line matching ${String(pattern)}`, () => find(pattern) !== undefined);
      return find(pattern) ?? '';
    },
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

const run = (args: readonly string[]): Promise<BinRun> => runBin(BIN, args);

describe('sentry-register sink: usage', () => {
  const cases: Array<{ args: string[]; code: number; stream: 'stdout' | 'stderr'; says: RegExp }> = [
    {
      args: ['sink', '--help'],
      code: 0,
      stream: 'stdout',
      says: /^Usage: sentry-register sink \[--port <n>\][^]*SENTRY_DSN=http:\/\/sink@127\.0\.0\.1:9999\/1 node --import @org\/sentry-register app\.js\n/,
    },
    { args: ['--help'], code: 0, stream: 'stdout', says: /\n {2}sink {5}run a local receiver that prints what the preload sends\n/ },
    {
      args: ['sink', '--port', 'eighty'],
      code: 2,
      stream: 'stderr',
      says: /^--port must be a whole number from 0 to 65535, not "eighty"\n/,
    },
    { args: ['sink', '--port', '65536'], code: 2, stream: 'stderr', says: /^--port must be a whole number/ },
    { args: ['sink', '--send'], code: 2, stream: 'stderr', says: /^unknown option: --send\n\nUsage: sentry-register sink/ },
    { args: ['sink', 'extra'], code: 2, stream: 'stderr', says: /^unknown command or argument: sink extra\n/ },
  ];
  for (const c of cases) {
    test(`${c.args.join(' ')} -> exit ${c.code}`, async () => {
      const result = await run(c.args);
      assert.equal(result.code, c.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      assert.match(result[c.stream], c.says);
      assert.equal(result[c.stream === 'stdout' ? 'stderr' : 'stdout'], '');
    });
  }

  test('a port already taken: exit 2 with the reason', async () => {
    const first = await startBinSink();
    try {
      const port = new URL(first.dsn).port;
      const result = await run(['sink', '--port', port]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^sentry-register sink: cannot listen: .*EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });
});

describe('sentry-register sink: what a preloaded app sends', () => {
  test('prints the request span and the crash event, then exits 0 on SIGTERM', async () => {
    const sink = await startBinSink();
    try {
      const { proc } = await spawnFixture('http-app.mjs', 'import', { SENTRY_DSN: sink.dsn, SENTRY_TRACES_SAMPLE_RATE: '1' });
      assert.equal((await proc.request('POST', '/orders')).status, 200);
      // The crash's own request never ends, so it has no span; the one before it is flushed with the event.
      await proc.request('POST', '/throw').catch(() => undefined);
      await proc.exited;
      const event = await sink.line(/^event /);
      assert.match(
        event,
        /^event {4}fatal Error: thrown in a node:http handler {2}\(release=lightspeed-stack@1\.2\.3, environment=development, trace=[0-9a-f]{32}\)$/,
      );
      const span = await sink.line(/^span /);
      assert.match(span, /^span {5}server POST \/orders {2}\(trace=[0-9a-f]{32}, status=200, service=/);
      // Release health: the crash ended its request's session.
      assert.match(await sink.line(/^sessions .*crashed=1$/), /^sessions exited=\d+ errored=0 crashed=1$/);
    } finally {
      assert.equal(await sink.stop(), 0);
    }
  });

  test('--json prints one parseable object a line', async () => {
    const sink = await startBinSink(['--json']);
    try {
      const { proc } = await spawnFixture('http-app.mjs', 'import', { SENTRY_DSN: sink.dsn });
      await proc.request('POST', '/throw').catch(() => undefined);
      await proc.exited;
      const line = await sink.line(/"type":"event"/);
      const parsed = JSON.parse(line) as { type: string; payload: { exception: { values: Array<{ value: string }> } } };
      assert.equal(parsed.payload.exception.values.at(-1)?.value, 'thrown in a node:http handler');
    } finally {
      await sink.stop();
    }
  });
});

describe('sentry-register sink: one line an item', () => {
  const item = (type: string, payload: Record<string, unknown>): EnvelopeItem => ({ type, header: { type }, payload, envelope: {} });
  const cases: Array<{ name: string; item: EnvelopeItem; line: string }> = [
    {
      name: 'an error event: the last exception, release, environment, trace',
      item: item('event', {
        level: 'error',
        release: 'svc@1.0.0',
        environment: 'production',
        exception: {
          values: [
            { type: 'Error', value: 'cause' },
            { type: 'TypeError', value: 'boom' },
          ],
        },
        contexts: { trace: { trace_id: 'a'.repeat(32) } },
      }),
      line: `event    error TypeError: boom  (release=svc@1.0.0, environment=production, trace=${'a'.repeat(32)})`,
    },
    {
      name: 'a message event',
      item: item('event', { level: 'info', message: 'hello', environment: 'test' }),
      line: 'event    info hello  (release=none, environment=test)',
    },
    {
      name: 'request sessions: summed over the buckets',
      item: item('sessions', {
        aggregates: [
          { exited: 3, errored: 1 },
          { exited: 2, crashed: 1 },
        ],
      }),
      line: 'sessions exited=5 errored=1 crashed=1',
    },
    {
      name: 'a client report',
      item: item('client_report', { discarded_events: [{ reason: 'sample_rate', category: 'error', quantity: 4 }] }),
      line: 'report   discarded sample_rate/error=4',
    },
    { name: 'an empty client report', item: item('client_report', {}), line: 'report   discarded nothing' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(describeItem(c.item), c.line));

  test('a span: kind, name, trace, status, service', () => {
    const line = describeSpan({
      traceId: 'b'.repeat(32),
      spanId: 'c'.repeat(16),
      parentSpanId: undefined,
      name: 'POST /orders',
      kind: 2,
      attributes: { 'http.response.status_code': 500 },
      resource: { 'service.name': 'orders' },
    });
    assert.equal(line, `span     server POST /orders  (trace=${'b'.repeat(32)}, status=500, service=orders)`);
  });

  test('a body is parsed by the path it came to', () => {
    assert.equal(parseArrival('/api/1/envelope/', '{}\n{"type":"event"}\n{}\n').kind, 'envelope');
    assert.equal(parseArrival('/api/1/integration/otlp/v1/traces/', '{"resourceSpans":[]}').kind, 'spans');
    assert.equal(parseArrival('/elsewhere', 'x').kind, 'other');
    assert.throws(() => parseArrival('/api/1/envelope/', 'not json'));
  });
});
