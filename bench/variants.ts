/**
 * What the benchmarks compare: bare node, the preload in its three setups, and
 * the two peers a user would weigh it against, each as the command line and
 * environment that starts a workload app (bench/apps) under it. `npm run bench`
 * and `npm run bench:startup` both run these, so their figures are of the same
 * processes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH = join(ROOT, 'bench');

export type Workload = 'hello' | 'work' | 'storm';

export interface Variant {
  readonly name: string;
  readonly args: (sinkPort: number) => string[];
  readonly env: (sinkPort: number) => Record<string, string>;
  /**
   * The sink paths it must deliver to (it traces, or exports twice): a variant
   * that does not would make its figures meaningless.
   */
  readonly delivers: readonly RegExp[];
}

const dsn = (port: number): string => `http://benchpublickey@127.0.0.1:${port}/1`;
const SENTRY_OTLP = /\/integration\/otlp\/v1\/traces\/?$/;
const SENTRY_ENVELOPE = /\/api\/1\/envelope\/?/;
const COLLECTOR_OTLP = /^\/v1\/traces$/;

export const BARE = 'bare node';
export const OURS_NO_DSN = 'ours, no DSN';
export const OURS_DSN = 'ours, DSN';
export const OURS_COLLECTOR = 'ours, DSN + OTLP collector';
export const SENTRY_DEFAULT = '@sentry/node default (tracesSampleRate 0.25)';
const OTEL_AUTO = 'OTel auto-instrumentations (parentbased_traceidratio 0.25)';

/** Bare node first: every ratio is to it. */
export const VARIANTS: readonly Variant[] = [
  { name: BARE, args: () => [], env: () => ({}), delivers: [] },
  { name: OURS_NO_DSN, args: () => ['--import', '@org/sentry-register'], env: () => ({}), delivers: [] },
  { name: OURS_DSN, args: () => ['--import', '@org/sentry-register'], env: (p) => ({ SENTRY_DSN: dsn(p) }), delivers: [SENTRY_OTLP] },
  {
    // The same spans exported twice: what a second OTLP backend costs.
    name: OURS_COLLECTOR,
    args: () => ['--import', '@org/sentry-register'],
    env: (p) => ({ SENTRY_DSN: dsn(p), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${p}` }),
    delivers: [SENTRY_OTLP, COLLECTOR_OTLP],
  },
  {
    name: SENTRY_DEFAULT,
    args: () => ['--import', join(BENCH, 'peers', 'sentry-default.mjs')],
    env: (p) => ({ SENTRY_DSN: dsn(p) }),
    delivers: [SENTRY_ENVELOPE],
  },
  {
    name: OTEL_AUTO,
    // OTel's documented ESM setup: without its loader hook the http
    // instrumentation never sees an ESM app's `import http` and traces nothing.
    args: () => [
      '--experimental-loader=@opentelemetry/instrumentation/hook.mjs',
      '--require',
      '@opentelemetry/auto-instrumentations-node/register',
    ],
    env: (p) => ({
      OTEL_SERVICE_NAME: 'bench',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${p}/api/1/integration/otlp/v1/traces/`,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      // No cloud metadata probes: there is no network here.
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
      // The same export cadence as ours.
      OTEL_BSP_SCHEDULE_DELAY: '1000',
    }),
    delivers: [SENTRY_OTLP],
  },
];

export interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  /** From spawning the process to its "listening" line. */
  readonly startupMs: number;
  /** The app's RSS when it printed "listening". */
  readonly rssMb: number;
}

/**
 * Spawns a workload app under a variant, on the Node running this script
 * (`--node` re-runs the whole benchmark under another), and waits for its
 * "listening" line. Resolves `@org/sentry-register` from test/fixtures, where
 * linkPackage() links it as an installed package.
 */
export async function startVariant(variant: Variant, workload: Workload, sinkPort: number): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, [...variant.args(sinkPort), join(BENCH, 'apps', `${workload}.mjs`)], {
    cwd: join(ROOT, 'test', 'fixtures'),
    env: childEnv(variant.env(sinkPort)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await waitForLine(child, /listening on (\d+) rss (\d+)/, variant.name);
  return { child, port: Number(line[1]), startupMs: performance.now() - started, rssMb: Number(line[2]) / 2 ** 20 };
}

/**
 * This process's environment without what would steer a child: NODE_OPTIONS,
 * and any SENTRY_* or OTEL_* setting of the shell the benchmark runs in (a
 * SENTRY_DSN there would give "ours, no DSN" a DSN); then the variant's own.
 */
export function childEnv(own: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  for (const key of Object.keys(env)) if (key.startsWith('SENTRY_') || key.startsWith('OTEL_')) delete env[key];
  return { ...env, ...own };
}

/**
 * The first match of `pattern` in the child's stdout; rejects if it exits
 * before printing one, with the end of its stderr. The child's stderr must be
 * piped: it is read here (the preload's own lines would crowd the benchmark's
 * output) and kept only for that message.
 */
export function waitForLine(child: ChildProcess, pattern: RegExp, name: string): Promise<RegExpExecArray> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + String(d)).slice(-2000)));
  return new Promise<RegExpExecArray>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited (${code ?? signal}) before printing ${pattern}; its stderr ended:\n${stderr}`)),
    );
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
}
