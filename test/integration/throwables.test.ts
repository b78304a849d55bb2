/**
 * The throwables table: every kind of thrown value × every place it is thrown
 * from, run plain (no preload, no DSN) and preloaded (DSN at a local sink).
 * The preload must not change what happens (the framework's answer, whether
 * the process keeps serving, the exit code, the shape of Node's crash output)
 * and must deliver a readable event for every crash and every 500.
 *
 * Runtime: each cell is two processes (plain, then preloaded); cells run two
 * at a time. Only the `--import` form runs here: express-probes.test.ts and
 * the other suites cover NODE_OPTIONS.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { test } from 'node:test';
import { PREFIX } from '../../src/preload/log.js';
import { startSink } from '../support/sink.js';
import type { Sink } from '../support/sink.js';
import { shellStatus, spawnFixture } from '../support/runner.js';
import type { LoadMode } from '../support/runner.js';

interface Kind {
  readonly kind: string;
  /** What a readable event says about it, beyond "non-empty and not [object Object]". */
  readonly readable?: RegExp;
  /** Where a place reports another error than the thrown one, what its event says instead. */
  readonly readableIn?: Readonly<Record<string, RegExp>>;
}

// The values themselves are built in test/fixtures/lib/throwables.cjs.
const KINDS: readonly Kind[] = [
  { kind: 'symbol', readable: /boom/ },
  { kind: 'string', readable: /boom as a string/ },
  { kind: 'number', readable: /42/ },
  { kind: 'null', readable: /null/ },
  { kind: 'undefined', readable: /undefined/ },
  { kind: 'plain-object', readable: /code/ },
  { kind: 'getter-object' },
  { kind: 'error-message-getter' },
  {
    kind: 'error-stack-getter',
    readable: /boom with a throwing stack getter/,
    // Express's final handler reads the stack for its answer; that read throws, and the error
    // Express then answers (and logs) is the getter's own. The preload captures the error Express
    // reports, once (src/events/frameworks.ts).
    readableIn: { express: /stack getter/ },
  },
  { kind: 'tostring-throws' },
  { kind: 'revoked-proxy' },
  { kind: 'circular-cause', readable: /boom circular a/ },
];

interface Place {
  readonly place: string;
  /** A framework route: the framework answers and the process keeps serving. Otherwise the process crashes. */
  readonly serves: boolean;
  /** The mechanism of the event that reports it. */
  readonly mechanism: string;
}

const PLACES: readonly Place[] = [
  { place: 'express', serves: true, mechanism: 'auto.http.express' },
  { place: 'fastify', serves: true, mechanism: 'auto.function.fastify' },
  { place: 'http', serves: false, mechanism: 'auto.node.onuncaughtexception' },
  { place: 'timer', serves: false, mechanism: 'auto.node.onuncaughtexception' },
  { place: 'promise', serves: false, mechanism: 'auto.node.onunhandledrejection' },
];

interface Observed {
  readonly command: string;
  /** The trigger's status, or the client error when the process died under it. */
  readonly trigger: number | string;
  readonly followUp: number | string | undefined;
  readonly exit: { code: number | null; signal: NodeJS.Signals | null; afterSignalMs: number | undefined };
  readonly stderr: string;
}

type Format = 'mjs' | 'cjs';

const EXIT_BOUND_MS = 10_000;

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one cell once. A serving place gets a follow-up request and then
 * SIGTERM; a crashing place is waited for. `beforeSignal` runs while a
 * serving process is still up (the wait for its event).
 */
async function observe(
  format: Format,
  kind: Kind,
  place: Place,
  mode: LoadMode,
  env: Record<string, string>,
  beforeSignal?: (exited: Promise<unknown>) => Promise<void>,
): Promise<Observed> {
  const { command, proc } = await spawnFixture(`throwables.${format}`, mode, {
    THROW_KIND: kind.kind,
    THROW_PLACE: place.place,
    ...env,
  });
  try {
    const asked = (path: string): Promise<number | string> =>
      proc.request('GET', path).then(
        (r) => r.status,
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
    const trigger = await asked('/trigger');
    let followUp: number | string | undefined;
    if (place.serves) {
      followUp = await asked('/alive');
      await beforeSignal?.(proc.exited);
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.signal('SIGTERM');
    }
    const exit = await bounded(proc.exited, EXIT_BOUND_MS, `the exit of ${command}`);
    return { command, trigger, followUp, exit, stderr: proc.stderr() };
  } finally {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }
}

const PRELOAD_FILE = /\/dist\/(?:src\/|register\.js)/;
const FRAME = /^\s+at /;
const APP_FRAME = /^\s+at .*\/test\/fixtures\//;
const TRACE_HINT = /^\(Use `node --trace-uncaught \.\.\.` to show where the exception was thrown\)$/;

/** Node's crash header: a line that is only `<file>:<line>`. */
const isHeader = (line: string): boolean => /^(?:file:\/\/)?(?:\/|node:)\S*:\d+$/.test(line);

/**
 * Where Node may place a captured crash's header (docs/compatibility.md, "The
 * header of a crash report"): capturing formats the error's stack, V8 keeps no
 * call sites after that, so Node's report of the error handed back to it is
 * headed by its task queue (or, for a rejection of a non-Error, by the
 * emitter that raised Node's own UnhandledPromiseRejection) instead of the
 * throw site. Any other header, the preload's above all, is a failure.
 */
const NODE_HEADERS = /^node:(?:internal\/process\/task_queues|events):\d+$/;

/**
 * A captured crash's header: Node's own places above, or (where the stack was
 * never formatted, e.g. its getter throws) the error's first frame, which is
 * in the app's file but on the line that made the error rather than threw it.
 */
const acceptedHeader = (header: string): boolean => NODE_HEADERS.test(header) || /\/test\/fixtures\/[^:]+:\d+$/.test(header);

/**
 * Cells that differ for a documented reason. Fastify 5.12 reads a handler
 * error's `statusCode` on its diagnostics-channel path (handle-request.js,
 * `setErrorStatusCode`), which any subscriber to
 * `tracing:fastify.request.handler` turns on, the preload's route and error
 * subscribers included. A revoked Proxy throws there, and Fastify answers 500
 * instead of 200: plain Node with any subscriber does the same.
 */
const KNOWN_STATUS_DIFFERENCES = new Set(['fastify × revoked-proxy']);

/** Removes the header block (header, source line, caret) that `stderr` starts its report with. */
function withoutHeaderBlock(lines: string[]): { header: string | undefined; rest: string[] } {
  const at = lines.findIndex(isHeader);
  if (at < 0) return { header: undefined, rest: lines };
  const caret = lines.findIndex((l, i) => i > at && /^\s*\^+\s*$/.test(l));
  const end = caret > at && caret <= at + 2 ? caret : at;
  return { header: lines[at], rest: [...lines.slice(0, at), ...lines.slice(end + 1)] };
}

/**
 * stderr without what may legitimately differ: our own log lines, stack
 * frames (counted apart), blank lines, absolute paths (basenames kept), line
 * and column numbers, and how many frames a cause shares.
 */
function shape(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => !l.startsWith(PREFIX) && l.trim() !== '' && !FRAME.test(l))
    .map((l) =>
      l
        .replace(/(?<=^|[\s(])(?:file:\/\/)?\/[^\s:()'"`]+/g, (path) => basename(path))
        .replace(/([\w.-]+\.(?:[cm]?js|ts)|node:[\w/]+):\d+(?::\d+)?/g, '$1')
        .replace(/\.\.\. \d+ lines matching cause stack trace \.\.\./, '... lines matching cause stack trace ...')
        .trimEnd(),
    );
}

/** Node's `--trace-uncaught` hint depends on what the throw site was; dropped when only one run printed it. */
function comparableShapes(plain: string, preloaded: string): [string[], string[]] {
  const a = shape(plain);
  const b = shape(preloaded);
  if (a.some((l) => TRACE_HINT.test(l)) !== b.some((l) => TRACE_HINT.test(l))) {
    return [a.filter((l) => !TRACE_HINT.test(l)), b.filter((l) => !TRACE_HINT.test(l))];
  }
  return [a, b];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event JSON from the sink is untyped
type EventJson = Record<string, any>;

function describeEvent(event: EventJson | undefined): string {
  const main = event?.['exception']?.values?.at(-1);
  return main ? `${main.type}: ${main.value} (${main.mechanism?.type})` : `message ${JSON.stringify(event?.['message'])}`;
}

/** What is wrong with the event for this cell; empty when it is right. */
function eventProblems(kind: Kind, place: Place, events: EventJson[]): string[] {
  if (events.length !== 1) {
    return [`expected exactly one event, got ${events.length}${events.length ? `: ${events.map(describeEvent).join(' | ')}` : ''}`];
  }
  const event = events[0] as EventJson;
  const main = event['exception']?.values?.at(-1);
  const problems: string[] = [];
  if (main?.mechanism?.type !== place.mechanism || main?.mechanism?.handled !== false) {
    problems.push(
      `event mechanism: expected ${place.mechanism} (handled: false), got ${JSON.stringify(main?.mechanism)}: ${describeEvent(event)}`,
    );
  }
  const text = String(main?.value ?? '') || String(event['message'] ?? '');
  if (text.trim() === '' || text.includes('[object Object]')) problems.push(`event message is not readable: ${JSON.stringify(text)}`);
  else {
    const readable = kind.readableIn?.[place.place] ?? kind.readable;
    if (readable && !readable.test(text)) problems.push(`event message ${JSON.stringify(text)} does not match ${readable}`);
  }
  return problems;
}

const exitOf = (o: Observed): string => `code ${o.exit.code}, signal ${o.exit.signal}`;

/** Same answer, same liveness, same exit. */
function exitProblems(cell: string, place: Place, plain: Observed, preloaded: Observed): string[] {
  const problems: string[] = [];
  if (!place.serves) {
    if (preloaded.exit.code !== plain.exit.code || preloaded.exit.signal !== plain.exit.signal) {
      problems.push(`exit: plain ${exitOf(plain)}, preloaded ${exitOf(preloaded)}`);
    }
    return problems;
  }
  if (preloaded.trigger !== plain.trigger && !KNOWN_STATUS_DIFFERENCES.has(cell)) {
    problems.push(`status: plain ${plain.trigger}, preloaded ${preloaded.trigger}`);
  }
  if (preloaded.followUp !== plain.followUp) problems.push(`follow-up request: plain ${plain.followUp}, preloaded ${preloaded.followUp}`);
  // Plain Node dies by the signal; the preload flushes, then exits 143 (src/sdk/shutdown.ts). A shell reads both as 143.
  if (preloaded.exit.afterSignalMs === undefined) problems.push(`the preloaded process died before SIGTERM (${exitOf(preloaded)})`);
  else if (shellStatus(preloaded.exit) !== shellStatus(plain.exit)) {
    problems.push(`exit after SIGTERM: plain ${exitOf(plain)}, preloaded ${exitOf(preloaded)}`);
  }
  return problems;
}

/** Same shape of stderr; the crash header and the stack name the app, never the preload. */
function stderrProblems(plain: string, preloaded: string): string[] {
  const problems: string[] = [];
  const plainReport = withoutHeaderBlock(plain.split('\n'));
  const preloadedReport = withoutHeaderBlock(preloaded.split('\n'));
  const [plainShape, preloadedShape] = comparableShapes(plainReport.rest.join('\n'), preloadedReport.rest.join('\n'));
  // The header is the same as plain Node's, or one of Node's own places for a captured crash; never absent alone.
  if ((plainReport.header === undefined) !== (preloadedReport.header === undefined)) {
    problems.push(
      `crash header: plain ${JSON.stringify(plainReport.header ?? null)}, preloaded ${JSON.stringify(preloadedReport.header ?? null)}`,
    );
  } else if (preloadedReport.header !== plainReport.header && !acceptedHeader(preloadedReport.header ?? '')) {
    problems.push(`crash header: plain ${JSON.stringify(plainReport.header)}, preloaded ${JSON.stringify(preloadedReport.header)}`);
  }
  const differsAt = Array.from({ length: Math.max(plainShape.length, preloadedShape.length) }, (_, i) => i).find(
    (i) => plainShape[i] !== preloadedShape[i],
  );
  if (differsAt !== undefined) {
    problems.push(
      `stderr shape differs at line ${differsAt + 1}: plain ${JSON.stringify(plainShape[differsAt] ?? null)}, ` +
        `preloaded ${JSON.stringify(preloadedShape[differsAt] ?? null)}`,
    );
  }
  const lines = preloaded.split('\n');
  const preloadHeader = lines.find((l) => isHeader(l) && PRELOAD_FILE.test(l));
  if (preloadHeader) problems.push(`Node's crash header names the preload's file: ${preloadHeader}`);
  const preloadFrame = lines.find((l) => FRAME.test(l) && PRELOAD_FILE.test(l));
  if (preloadFrame) problems.push(`a stack frame is the preload's: ${preloadFrame.trim()}`);
  const appFrames = (s: string): number => s.split('\n').filter((l) => APP_FRAME.test(l)).length;
  if (appFrames(preloaded) !== appFrames(plain)) {
    problems.push(`app frames in stderr: plain ${appFrames(plain)}, preloaded ${appFrames(preloaded)}`);
  }
  return problems;
}

async function runCell(format: Format, kind: Kind, place: Place): Promise<void> {
  const sink: Sink = await startSink();
  try {
    const plain = await observe(format, kind, place, 'none', {});
    const expectEvent = !place.serves || plain.trigger === 500;
    const preloaded = await observe(format, kind, place, 'import', { SENTRY_DSN: sink.dsn }, async (exited) => {
      // A 500 is reported while the process serves on; the wait ends early if it dies instead.
      if (expectEvent)
        await Promise.race([sink.waitFor('the event for the 500', (s) => s.events().length > 0).catch(() => undefined), exited]);
    });
    const problems = [
      ...exitProblems(`${place.place} × ${kind.kind}`, place, plain, preloaded),
      ...stderrProblems(plain.stderr, preloaded.stderr),
    ];
    // Crashes are flushed before the exit, so after it the sink has all it will get.
    if (expectEvent) problems.push(...eventProblems(kind, place, sink.events() as EventJson[]));

    if (problems.length > 0) {
      assert.fail(
        `${problems.map((p) => `- ${p}`).join('\n')}\n` +
          `reproduce (plain): ${plain.command}\nreproduce (preloaded): ${preloaded.command}\n` +
          `plain stderr:\n${plain.stderr}\npreloaded stderr:\n${preloaded.stderr}`,
      );
    }
  } finally {
    await sink.close();
  }
}

/**
 * The full table takes over 90 s per module format on two cores (measured on
 * a shared 2-core machine: 110-135 s for ESM alone), so CommonJS runs every
 * place (25 cells, about 60 s) with a
 * representative subset of kinds: a primitive, a Symbol, an Error whose
 * getter throws, an exotic object and a chained Error.
 */
const CJS_KINDS = new Set(['string', 'symbol', 'error-message-getter', 'revoked-proxy', 'circular-cause']);

for (const format of ['mjs', 'cjs'] as const) {
  const kinds = format === 'mjs' ? KINDS : KINDS.filter((k) => CJS_KINDS.has(k.kind));
  test(`throwables × places: plain and preloaded end alike [${format}, --import]`, { concurrency: 2 }, async (t) => {
    const cells = PLACES.flatMap((place) => kinds.map((kind) => ({ kind, place })));
    await Promise.all(cells.map(({ kind, place }) => t.test(`${place.place} × ${kind.kind}`, () => runCell(format, kind, place))));
  });
}
