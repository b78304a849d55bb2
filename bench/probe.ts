/**
 * The child process of the startup breakdown (bench/breakdown.ts): one piece
 * of the preload's startup, timed from inside a fresh process, so that Node's
 * own boot is not counted. It prints one line, `probe {"ms":…,"rssMb":…}`: the
 * time of the piece's timed step and the RSS it added.
 *
 *   node dist/bench/probe.js <piece id>
 *
 * Env: PROBE_DSN_MODULE, the file URL of the module the preload imports only
 * with a DSN (for the pieces that use it); SENTRY_DSN for the pieces that run
 * the preload with a DSN. The measurement lives here, not in the preload: the
 * preload does no timing of its own.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** What the preload's entry resolves to, as an app's `--import @org/sentry-register` does (the package imports itself by name). */
const ENTRY = '@org/sentry-register';

export interface Piece {
  readonly id: string;
  readonly label: string;
  /** What the child process times, for the report. */
  readonly what: string;
  /** Run the preload with a DSN (pointed at the benchmark's sink). */
  readonly dsn?: boolean;
  /** Needs the module the preload imports only with a DSN. */
  readonly wiring?: boolean;
  /** Done before the clock starts: what the timed step may find already loaded. */
  readonly before?: () => Promise<unknown>;
  readonly timed: () => Promise<unknown>;
}

const sentry = (): Promise<unknown> => import('@sentry/node');
const otel = async (): Promise<void> => {
  await import('@opentelemetry/sdk-node');
  await import('@opentelemetry/instrumentation-http');
};
const both = async (): Promise<void> => {
  await sentry();
  await otel();
};
const wiring = (): Promise<unknown> => {
  const url = process.env['PROBE_DSN_MODULE'];
  if (!url) throw new Error('PROBE_DSN_MODULE is not set');
  return import(url);
};
const entry = (): Promise<unknown> => import(ENTRY);

export const PIECES: readonly Piece[] = [
  { id: 'sentry', label: 'Sentry', what: "`import('@sentry/node')` from node_modules", timed: sentry },
  {
    id: 'otel',
    label: 'OTel',
    what: '`@opentelemetry/sdk-node`, then `@opentelemetry/instrumentation-http`, from node_modules',
    timed: otel,
  },
  {
    id: 'sentry+otel',
    label: 'Sentry + OTel',
    what: 'both of the above in one process: they share modules (`@opentelemetry/api`, `core`, …), so the two rows above do not add up',
    timed: both,
  },
  { id: 'no-dsn', label: 'ours, no DSN', what: 'the preload without a DSN: its modules, the config read and `start()`', timed: entry },
  {
    id: 'wiring',
    label: 'DSN wiring',
    what: 'the module the preload imports only with a DSN, and all it imports: Sentry, OTel and our DSN-path code, as the preload loads them',
    wiring: true,
    timed: wiring,
  },
  {
    id: 'own',
    label: 'our code on the DSN path',
    what: 'the DSN wiring imported after Sentry + OTel: our modules and what they import beyond those two',
    wiring: true,
    before: both,
    timed: wiring,
  },
  {
    id: 'start',
    label: 'start(), with the no-DSN import',
    what: 'the preload with a DSN, its DSN wiring imported beforehand: the no-DSN modules, then `start()` building and starting the SDKs',
    dsn: true,
    wiring: true,
    before: wiring,
    timed: entry,
  },
  { id: 'preload', label: 'whole preload, DSN', what: 'the preload with a DSN, as a process pays it', dsn: true, timed: entry },
];

async function main(id: string | undefined): Promise<void> {
  const piece = PIECES.find((p) => p.id === id);
  if (!piece) throw new Error(`unknown piece ${id}; one of ${PIECES.map((p) => p.id).join(', ')}`);
  await piece.before?.();
  const rss = process.memoryUsage.rss();
  const started = performance.now();
  await piece.timed();
  const ms = performance.now() - started;
  process.stdout.write(`probe ${JSON.stringify({ ms, rssMb: (process.memoryUsage.rss() - rss) / 2 ** 20 })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv[2]);
