/**
 * One runner for the declarative fixture table: start the sink, spawn the
 * fixture under the preload (`--import` or NODE_OPTIONS), wait for its
 * "listening" line, drive the traffic, optionally signal it, then hand what
 * the sink received to the fixture's assertions. A failure prints the exact
 * command that reproduces it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { arrivals, startSink } from './sink.js';
import type { Sink, SinkOptions } from './sink.js';
import { startCollector } from './collector.js';
import type { Collector, CollectorOptions } from './collector.js';

/** The repo root (this file runs from dist/test/support). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const PACKAGE = '@org/sentry-register';

/**
 * Makes `--import @org/sentry-register` resolve from the fixtures folder the way
 * it does in an app that installed the package: through node_modules and the
 * package's `exports`, not through a path into dist/.
 */
export function linkPackage(): void {
  const scope = join(FIXTURES, 'node_modules', '@org');
  mkdirSync(scope, { recursive: true });
  try {
    symlinkSync(ROOT, join(scope, 'sentry-register'), 'dir');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** How the preload is loaded; `none` runs the app plain, for comparisons with Node's own behaviour. */
export type LoadMode = 'import' | 'node_options' | 'none';

export interface Proc {
  readonly port: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or 128 + signal) and the time since `signal()` was sent. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterSignalMs: number | undefined }>;
  signal(sig: NodeJS.Signals): void;
  request(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; body: string }>;
}

/**
 * The exit status as a shell reports it: the code, or 128 + the signal's
 * number. Node killed by SIGTERM (signal 'SIGTERM', code null) and the
 * preload's `process.exit(143)` after its SIGTERM flush both read 143.
 */
export function shellStatus(exit: { code: number | null; signal: NodeJS.Signals | null }): number | undefined {
  if (exit.code !== null) return exit.code;
  return exit.signal === null ? undefined : 128 + constants.signals[exit.signal];
}

export interface Fixture {
  readonly name: string;
  /** Entry file in test/fixtures, without the .mjs/.cjs extension. */
  readonly app: string;
  readonly env?: Record<string, string | undefined>;
  /** Which module systems to run; both unless said. */
  readonly formats?: ReadonlyArray<'mjs' | 'cjs'>;
  /** Which ways of loading the preload to run; both unless said. */
  readonly modes?: readonly LoadMode[];
  /** How the sink serves (HTTPS, status); plain HTTP 200 unless said. */
  readonly sink?: () => SinkOptions;
  /**
   * A local OTLP/HTTP receiver as the second trace backend: how it answers,
   * and the variables that point the preload at it
   * (`OTEL_EXPORTER_OTLP_ENDPOINT=<url>` unless said).
   */
  readonly collector?: {
    readonly options?: CollectorOptions;
    readonly env?: (url: string) => Record<string, string>;
  };
  readonly traffic: (proc: Proc, sink: Sink, collector: Collector | undefined) => Promise<void>;
  readonly expect: (sink: Sink, proc: Proc, collector: Collector | undefined) => Promise<void> | void;
}

export interface Run {
  readonly command: string;
  readonly proc: Proc;
}

export function commandFor(
  app: string,
  mode: LoadMode,
  env: Record<string, string | undefined>,
): { args: string[]; env: NodeJS.ProcessEnv; shown: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // The test runner's own settings must not leak into the child.
  delete childEnv['NODE_TEST_CONTEXT'];
  delete childEnv['NODE_OPTIONS'];
  for (const key of Object.keys(childEnv)) if (key.startsWith('SENTRY_') || key.startsWith('OTEL_')) delete childEnv[key];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const args = mode === 'import' ? ['--import', PACKAGE, app] : [app];
  if (mode === 'node_options') childEnv['NODE_OPTIONS'] = [env['NODE_OPTIONS'], `--import ${PACKAGE}`].filter(Boolean).join(' ');
  const shownEnv = Object.entries(env)
    .filter(([k]) => mode !== 'node_options' || k !== 'NODE_OPTIONS')
    .concat(mode === 'node_options' ? [['NODE_OPTIONS', childEnv['NODE_OPTIONS']]] : [])
    .map(([k, v]) => `${k}=${JSON.stringify(v ?? '')}`)
    .join(' ');
  return { args, env: childEnv, shown: `(cd ${FIXTURES} && ${shownEnv} node ${args.join(' ')})` };
}

/** Spawns a fixture and resolves once it prints its listening line. */
export async function spawnFixture(app: string, mode: LoadMode, env: Record<string, string | undefined>): Promise<Run> {
  linkPackage();
  const { args, env: childEnv, shown } = commandFor(app, mode, env);
  const child = spawn(process.execPath, args, { cwd: FIXTURES, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalledAt: number | undefined;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    afterSignalMs: signalledAt === undefined ? undefined : Date.now() - signalledAt,
  }));

  const port = await new Promise<number>((resolve, reject) => {
    const onData = (): void => {
      const m = /listening on (\d+)/.exec(stdout);
      if (m) {
        child.stdout.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    void exited.then((e) =>
      reject(new Error(`fixture exited (${e.code ?? e.signal}) before listening\nstderr:\n${stderr}\nreproduce: ${shown}`)),
    );
  });

  const proc: Proc = {
    port,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    signal(sig) {
      signalledAt = Date.now();
      child.kill(sig);
    },
    request: (method, path, init = {}) => httpRequest(port, method, path, init),
  };
  return { command: shown, proc };
}

export function httpRequest(
  port: number,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: init.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Runs one fixture in one format and load mode; rethrows failures with the command to reproduce them. */
export async function runFixture(fixture: Fixture, format: 'mjs' | 'cjs', mode: LoadMode): Promise<void> {
  const sink = await startSink(fixture.sink?.());
  const collector = fixture.collector ? await startCollector(fixture.collector.options) : undefined;
  const collectorEnv =
    collector && fixture.collector ? (fixture.collector.env?.(collector.url) ?? { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }) : {};
  const env = { SENTRY_DSN: sink.dsn, ...collectorEnv, ...fixture.env };
  let run: Run | undefined;
  try {
    run = await spawnFixture(`${fixture.app}.${format}`, mode, env);
    await fixture.traffic(run.proc, sink, collector);
    await fixture.expect(sink, run.proc, collector);
  } catch (err) {
    const command = run?.command ?? commandFor(`${fixture.app}.${format}`, mode, env).shown;
    const detail = run ? `\nstderr:\n${run.proc.stderr()}` : '';
    throw new Error(`${(err as Error).message}\nreproduce: ${command}${detail}`, { cause: err });
  } finally {
    if (run && run.proc.child.exitCode === null && run.proc.child.signalCode === null) {
      run.proc.child.kill('SIGKILL');
      await run.proc.exited;
    }
    await Promise.all([sink.close(), collector?.close()]);
  }
}

const MODE_LABELS: Record<LoadMode, string> = { import: '--import', node_options: 'NODE_OPTIONS', none: 'plain' };

/** Declares one test per fixture, module format and load mode. */
export function testFixtures(fixtures: readonly Fixture[]): void {
  for (const fixture of fixtures) {
    for (const format of fixture.formats ?? (['mjs', 'cjs'] as const)) {
      for (const mode of fixture.modes ?? (['import', 'node_options'] as const)) {
        test(`${fixture.name} [${format}, ${MODE_LABELS[mode]}]`, () => runFixture(fixture, format, mode));
      }
    }
  }
}

/** Resolves with the first whole line the fixture writes to stderr that matches `pattern`, once it is written. */
export async function stderrLine(proc: Proc, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  // The last element is a line still being written.
  const line = (): string | undefined =>
    proc
      .stderr()
      .split('\n')
      .slice(0, -1)
      .find((l) => pattern.test(l));
  const written = arrivals(
    () => proc,
    (what) => `timed out waiting for ${what}; stderr:\n${proc.stderr()}`,
  );
  // Added after the runner's own listener, so proc.stderr() already holds the chunk.
  const onData = (): void => written.arrived();
  proc.child.stderr?.on('data', onData);
  try {
    await written.waitFor(`a stderr line matching ${String(pattern)}`, () => line() !== undefined, timeoutMs);
  } finally {
    proc.child.stderr?.off('data', onData);
  }
  return line() ?? '';
}

/** Sends `count` requests, a few at a time. */
export async function drive(proc: Proc, count: number, make: (i: number) => Parameters<Proc['request']>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const res = await proc.request(...make(i));
      if (res.status >= 500 && res.status !== 500) throw new Error(`unexpected ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
