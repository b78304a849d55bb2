/**
 * Node's own semantics survive the preload: crashes still crash (after the
 * event is delivered), an app's own SIGTERM handler keeps the exit, and the
 * preload initialises once however often and wherever it is loaded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { delimiter, dirname } from 'node:path';
import { test } from 'node:test';
import { startSink } from '../support/sink.js';
import { commandFor, FIXTURES, linkPackage, testFixtures } from '../support/runner.js';

const JSON_BODY = { headers: { 'content-type': 'application/json' }, body: '{}' };
const mechanismOf = (event: Record<string, unknown> | undefined): unknown =>
  (event?.['exception'] as { values?: Array<{ mechanism?: { type?: string } }> } | undefined)?.values?.[0]?.mechanism?.type;

testFixtures([
  {
    name: 'an unhandled rejection is delivered, then the process ends with code 1 as Node would',
    app: 'http-app',
    env: { SENTRY_TRACES_SAMPLE_RATE: '1' },
    traffic: async (proc) => {
      await proc.request('POST', '/reject', JSON_BODY);
    },
    expect: async (sink, proc) => {
      const exit = await proc.exited;
      assert.equal(exit.code, 1);
      assert.match(proc.stderr(), /Error: rejected in a node:http handler/);
      const events = sink.events();
      assert.equal(events.length, 1, 'captured exactly once');
      assert.equal(mechanismOf(events[0]), 'auto.node.onunhandledrejection');
      const span = sink.spans.find((s) => s.attributes['url.path'] === '/reject');
      assert.ok(span, 'the request span was flushed before the exit');
      assert.equal((events[0]?.['contexts'] as { trace?: { trace_id?: string } })?.trace?.trace_id, span.traceId);
    },
  },
  {
    name: 'with --unhandled-rejections=warn the rejection is captured and the app keeps serving',
    app: 'http-app',
    env: { NODE_OPTIONS: '--unhandled-rejections=warn' },
    traffic: async (proc, sink) => {
      await proc.request('POST', '/reject', JSON_BODY);
      await sink.waitFor('the rejection event', (s) => s.events().length === 1);
      assert.equal((await proc.request('POST', '/chat/1', JSON_BODY)).status, 200);
    },
    expect: async (sink, proc) => {
      proc.signal('SIGTERM');
      assert.equal((await proc.exited).code, 143);
      assert.equal(sink.events().length, 1);
    },
  },
  {
    name: 'an exception thrown from a handler is delivered, then the process ends with code 1 as Node would',
    app: 'http-app',
    traffic: async (proc) => {
      await proc.request('POST', '/throw', JSON_BODY).catch(() => undefined);
    },
    expect: async (sink, proc) => {
      assert.equal((await proc.exited).code, 1);
      assert.match(proc.stderr(), /Error: thrown in a node:http handler/);
      assert.equal(sink.events().length, 1);
      assert.equal(mechanismOf(sink.events()[0]), 'auto.node.onuncaughtexception');
    },
  },
  {
    name: 'an app with its own SIGTERM handler keeps its exit code, and our flush still runs',
    app: 'own-sigterm-app',
    env: { SENTRY_TRACES_SAMPLE_RATE: '1' },
    traffic: async (proc) => {
      await proc.request('POST', '/chat/1', JSON_BODY);
    },
    expect: async (sink, proc) => {
      proc.signal('SIGTERM');
      const exit = await proc.exited;
      assert.equal(exit.code, 0);
      assert.match(proc.stdout(), /draining/);
      assert.equal(sink.spans.filter((s) => s.kind === 2).length, 1);
    },
  },
  {
    name: 'a process that runs out of work flushes its spans before it exits',
    app: 'one-shot-app',
    env: { SENTRY_TRACES_SAMPLE_RATE: '1' },
    traffic: async (proc) => {
      await proc.request('POST', '/jobs/1', JSON_BODY);
    },
    expect: async (sink, proc) => {
      assert.equal((await proc.exited).code, 0);
      assert.deepEqual(
        sink.spans.map((s) => s.name),
        ['POST /jobs/:id'],
      );
    },
  },
  {
    name: 'loaded twice (--import and NODE_OPTIONS), it initialises once and traces once',
    app: 'http-app',
    modes: ['import'],
    env: { NODE_OPTIONS: '--import @org/sentry-register', SENTRY_TRACES_SAMPLE_RATE: '1' },
    traffic: async (proc) => {
      await proc.request('POST', '/chat/1', JSON_BODY);
    },
    expect: async (sink, proc) => {
      proc.signal('SIGTERM');
      assert.equal((await proc.exited).code, 143);
      assert.equal(proc.stderr().match(/Sentry initialized/g)?.length, 1, proc.stderr());
      assert.equal(sink.spans.length, 1);
    },
  },
  {
    name: 'worker threads do not initialise a second SDK',
    app: 'worker-app',
    traffic: async () => {},
    expect: async (_sink, proc) => {
      proc.signal('SIGTERM');
      assert.equal((await proc.exited).code, 143);
      assert.equal(proc.stderr().match(/\[sentry-register\]/g)?.length, 1, proc.stderr());
    },
  },
]);

for (const [name, dsn] of [
  ['missing', undefined],
  ['invalid', 'not a dsn'],
] as const) {
  test(`SENTRY_REQUIRED=true with a ${name} DSN exits 1 before the app starts`, async () => {
    linkPackage();
    const { args, env, shown } = commandFor('http-app.mjs', 'import', { SENTRY_REQUIRED: 'true', SENTRY_DSN: dsn });
    const child = spawn(process.execPath, args, { cwd: FIXTURES, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1, `reproduce: ${shown}`);
    assert.equal(stdout, '', 'the app started');
    assert.match(stderr, /\[sentry-register\] error: SENTRY_REQUIRED is true but SENTRY_DSN is (not set|invalid); exiting with code 1/);
  });
}

test('under `npm run` with NODE_OPTIONS, npm itself is skipped and only the app initialises', async () => {
  linkPackage();
  const sink = await startSink();
  try {
    const { env, shown } = commandFor('-', 'node_options', { SENTRY_DSN: sink.dsn });
    // npm and the script's `node` come from PATH: put this test's Node first, so
    // that under `npm run test:matrix` the job runs on the Node being tested.
    env['PATH'] = [dirname(process.execPath), env['PATH']].filter(Boolean).join(delimiter);
    const child = spawn('npm', ['run', '--silent', 'job'], { cwd: FIXTURES, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, `reproduce: ${shown.replace('node -', 'npm run job')}\n${stderr}`);
    assert.match(stdout, /job done/);
    assert.equal(stderr.match(/Sentry initialized/g)?.length, 1, stderr);
  } finally {
    await sink.close();
  }
});
