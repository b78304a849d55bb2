/**
 * Express's npm package ships no tests, so these behaviour probes stand in for
 * them. One Express 5 app (express-probes.mjs/.cjs) answers each probe with
 * facts about what Express did; it runs plain (no preload, no DSN) and
 * preloaded (DSN at a local sink), and every answer must be the same, key by
 * key, status code included. The preloaded run must also deliver each route
 * error that ends in a 500 as an unhandled event, and nothing for a 4xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSink } from '../support/sink.js';
import type { Sink } from '../support/sink.js';
import { shellStatus, spawnFixture } from '../support/runner.js';
import type { LoadMode, Run } from '../support/runner.js';

interface Probe {
  readonly name: string;
  readonly path: string;
  readonly accept?: string;
  /** JSON facts from the app, or Express's own error page (finalhandler). */
  readonly answer: 'json' | 'error-page';
  /** Ask /probe/alive afterwards: the process must still serve. */
  readonly followUp?: boolean;
}

const throwProbe = (kind: string): Probe => ({
  name: `a route throws ${kind}: same status, and the process keeps serving`,
  path: `/probe/throw/${kind}`,
  answer: 'error-page',
  followUp: true,
});

// In order: one process serves them all. The throwables that are hard to
// describe (a Symbol, throwing getters) come last, so that a crash one of them
// might cause cannot hide the other probes' results.
const PROBES: readonly Probe[] = [
  { name: 'the next given to a middleware and a route, and req.next', path: '/probe/next', answer: 'json' },
  { name: 'res.format answers from default when no type matches', path: '/probe/format', accept: 'image/png', answer: 'json' },
  { name: 'res.format answers from the matching type', path: '/probe/format', accept: 'application/json', answer: 'json' },
  { name: 'res.format with no match and no default is a 406', path: '/probe/format-no-default', accept: 'image/png', answer: 'error-page' },
  { name: 'error middlewares run in order and see the thrown error itself', path: '/probe/error-order', answer: 'json' },
  { name: 'req.route.path and req.baseUrl in nested routers', path: '/probe/sub/acme/shop/items/7', answer: 'json' },
  { name: "the router's stack layers, Layer and Route prototypes", path: '/probe/layers', answer: 'json' },
  {
    name: 'next(err) with err.status = 404 is answered by the final handler',
    path: '/probe/next-404',
    answer: 'error-page',
    followUp: true,
  },
  { name: 'an async handler that rejects', path: '/probe/async-reject', answer: 'error-page', followUp: true },
  ...['error', 'string', 'number', 'null', 'undefined', 'symbol', 'getter-object', 'error-message-getter', 'error-stack-getter'].map(
    throwProbe,
  ),
];

/** Paths whose error ends in a 4xx: Express answers them, and they are no event. */
const NO_EVENT_PATHS = ['/probe/next-404', '/probe/error-order', '/probe/format-no-default'];

const isPreloadFile = (line: string): boolean => /\/dist\/(src\/|register\.js)/.test(line);

/** Express's development error page: its first line, and which frames its stack shows. */
function errorPage(body: string): Record<string, unknown> {
  const pre = /<pre>([\s\S]*)<\/pre>/.exec(body)?.[1] ?? body;
  const [first = '', ...frames] = pre.split('<br>').map((l) => l.replace(/&nbsp;/g, ' ').trim());
  return {
    error: first,
    appFrames: frames.filter((f) => f.includes('/test/fixtures/')).length,
    preloadFrames: frames.filter(isPreloadFile).length,
  };
}

function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return { notJson: body.slice(0, 200) };
  }
}

async function ask(run: Run, probe: Probe): Promise<Record<string, unknown>> {
  const res = await run.proc.request('GET', probe.path, { headers: probe.accept ? { accept: probe.accept } : {} });
  const facts: Record<string, unknown> = {
    status: res.status,
    ...(probe.answer === 'json' ? { body: json(res.body) } : errorPage(res.body)),
  };
  if (probe.followUp) {
    const alive = await run.proc.request('GET', '/probe/alive');
    facts['followUp'] = { status: alive.status, body: json(alive.body) };
  }
  return facts;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event JSON from the sink is untyped
type EventJson = Record<string, any>;
const eventsFor = (sink: Sink, path: string): EventJson[] =>
  (sink.events() as EventJson[]).filter((e) => typeof e['request']?.url === 'string' && new URL(e['request'].url).pathname === path);

/**
 * Waits for the event for `path`, or for the process to end without it: a
 * preloaded process flushes before it exits, so nothing arrives after that.
 */
async function eventOrExit(sink: Sink, run: Run, path: string): Promise<void> {
  const what = `an event for GET ${path}`;
  await Promise.race([
    sink.waitFor(what, (s) => eventsFor(s, path).length > 0),
    run.proc.exited.then((exit) => {
      if (eventsFor(sink, path).length === 0) throw new Error(`the preloaded process ended (${exit.code ?? exit.signal}) without ${what}`);
    }),
  ]);
}

/** Rethrows a failure with the command that reproduces the preloaded run. */
async function reproducible(run: Run, check: () => Promise<void> | void): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (err instanceof Error) err.message += `\nreproduce (preloaded): ${run.command}\npreloaded stderr:\n${run.proc.stderr()}`;
    throw err;
  }
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const APP = 'express-probes';

for (const format of ['mjs', 'cjs'] as const) {
  for (const mode of ['import', 'node_options'] as const satisfies readonly LoadMode[]) {
    describe(`express probes: plain and preloaded answer alike [${format}, ${mode === 'import' ? '--import' : 'NODE_OPTIONS'}]`, () => {
      let sink: Sink;
      let plain: Run;
      let preloaded: Run;

      before(async () => {
        sink = await startSink();
        [plain, preloaded] = await Promise.all([
          spawnFixture(`${APP}.${format}`, 'none', {}),
          spawnFixture(`${APP}.${format}`, mode, { SENTRY_DSN: sink.dsn }),
        ]);
      });
      after(async () => {
        for (const run of [plain, preloaded]) {
          if (run && run.proc.child.exitCode === null && run.proc.child.signalCode === null) {
            run.proc.child.kill('SIGKILL');
            await run.proc.exited;
          }
        }
        await sink?.close();
      });

      for (const probe of PROBES) {
        it(`${probe.name} (${probe.path}${probe.accept ? `, Accept: ${probe.accept}` : ''})`, () =>
          reproducible(preloaded, async () => {
            const expected = await ask(plain, probe);
            const actual = await ask(preloaded, probe);
            assert.deepEqual(actual, expected);
            if (expected['status'] !== 500) return;
            // A route error that ends in a 500 is an unhandled error, delivered with its request.
            await eventOrExit(sink, preloaded, probe.path);
            const [event] = eventsFor(sink, probe.path);
            const main = event?.['exception']?.values?.at(-1);
            assert.deepEqual(
              { mechanism: { type: main?.mechanism?.type, handled: main?.mechanism?.handled }, method: event?.['request']?.method },
              { mechanism: { type: 'auto.http.express', handled: false }, method: 'GET' },
              `the event for ${probe.path} is not the route's error: ${main?.type}: ${main?.value}`,
            );
          }));
      }

      it('SIGTERM ends both the way a shell reports as 143 (plain: by the signal; preloaded: exit(143) after its flush)', () =>
        reproducible(preloaded, async () => {
          plain.proc.signal('SIGTERM');
          preloaded.proc.signal('SIGTERM');
          const [p, q] = await bounded(Promise.all([plain.proc.exited, preloaded.proc.exited]), 10_000, 'the exit after SIGTERM');
          // Node's default for SIGTERM: killed by the signal.
          assert.deepEqual({ code: p.code, signal: p.signal }, { code: null, signal: 'SIGTERM' });
          // The preload keeps the process alive to flush, then exits with 128 + 15 rather than
          // re-raising the signal (as PID 1 a re-raised SIGTERM is ignored; see src/sdk/shutdown.ts).
          assert.ok(q.afterSignalMs !== undefined, `the preloaded process had already exited (code ${q.code}) before SIGTERM`);
          assert.deepEqual({ code: q.code, signal: q.signal }, { code: 143, signal: null });
          assert.equal(shellStatus(q), shellStatus(p));
        }));

      it('the sink got no event for errors that end in a 4xx, and no crash', () =>
        reproducible(preloaded, () => {
          // Checked after the exit: the preload flushed everything it had before exiting.
          for (const path of NO_EVENT_PATHS) assert.deepEqual(eventsFor(sink, path), [], `an event for ${path}`);
          const crashes = (sink.events() as EventJson[]).filter((e) =>
            e['exception']?.values?.some((v: EventJson) => v['mechanism']?.type === 'auto.node.onuncaughtexception'),
          );
          assert.deepEqual(
            crashes.map((e) => `${e['request']?.url}: ${e['exception'].values.at(-1).type}: ${e['exception'].values.at(-1).value}`),
            [],
            'uncaught exceptions in the preloaded process',
          );
        }));
    });
  }
}
