/**
 * Startup and shutdown cost, measured side by side in one run: time from
 * process start to the app's "listening" line for bare node, the preload
 * without a DSN, and the preload with a DSN (a local sink), interleaved so
 * machine noise hits every variant alike. Also the SIGTERM-to-exit time after
 * 100 sampled requests, and the sampled share of 400 POSTs.
 *
 *   npm run bench:startup [-- --runs 15]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { commandFor, drive, FIXTURES, linkPackage, spawnFixture } from '../test/integration/runner.js';
import { startSink } from '../src/sink.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timeToListening(preload: boolean, env: Record<string, string | undefined>): Promise<number> {
  const { args, env: childEnv } = commandFor('http-app.mjs', 'import', env);
  const started = performance.now();
  const child = spawn(process.execPath, preload ? args : args.slice(2), {
    cwd: FIXTURES,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => String(d).includes('listening') && resolve()));
  const elapsed = performance.now() - started;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return elapsed;
}

linkPackage();
const sink = await startSink();
const variants = {
  bare: () => timeToListening(false, {}),
  'no DSN': () => timeToListening(true, {}),
  'with DSN': () => timeToListening(true, { SENTRY_DSN: sink.dsn }),
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(variants)) samples[name]?.push(await run());

const bare = median(samples['bare'] ?? []);
console.log(`startup to "listening", median of ${runs} interleaved runs:`);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(`  ${name.padEnd(9)} ${m.toFixed(1).padStart(7)} ms  (+${(m - bare).toFixed(1)} ms, ${(m / bare).toFixed(2)}x bare)`);
}

const shutdowns: number[] = [];
for (let i = 0; i < 5; i++) {
  const { proc } = await spawnFixture('http-app.mjs', 'import', { SENTRY_DSN: sink.dsn, SENTRY_TRACES_SAMPLE_RATE: '1' });
  await drive(proc, 100, (n) => ['POST', `/orders/${n}`, { body: '{}' }]);
  proc.signal('SIGTERM');
  shutdowns.push((await proc.exited).afterSignalMs ?? NaN);
}
console.log(`SIGTERM to exit after 100 sampled requests: median ${median(shutdowns)} ms, max ${Math.max(...shutdowns)} ms (5 runs)`);

const shares: number[] = [];
for (let i = 0; i < 3; i++) {
  sink.spans.length = 0;
  const { proc } = await spawnFixture('http-app.mjs', 'import', { SENTRY_DSN: sink.dsn });
  await drive(proc, 400, (n) => ['POST', `/chat/${n}`, { body: '{}' }]);
  proc.signal('SIGTERM');
  await proc.exited;
  shares.push(sink.spans.filter((s) => s.kind === 2).length / 400);
}
console.log(`sampled share of 400 POSTs at 0.25: ${shares.map((s) => `${(s * 100).toFixed(1)}%`).join(', ')}`);
await sink.close();
