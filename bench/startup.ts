/**
 * Startup, measured side by side in one run: for every variant of the
 * benchmark (bench/variants.ts: bare node, ours without a DSN, with a DSN, with
 * a DSN and a second OTLP backend, `@sentry/node`'s default setup, OTel's
 * auto-instrumentations), the time from spawning the hello-world app to its
 * "listening" line, and its RSS at that moment. Each round starts every
 * variant once, one at a time, in a rotating order, so the machine's drift
 * falls on all of them alike; "added" is each round's difference to bare node
 * in the same round. Then the startup breakdown (bench/breakdown.ts), and, in
 * this command only, the SIGTERM-to-exit time and the sampled share of POSTs.
 *
 *   npm run bench:startup [-- --runs 15] [--node 24]
 *
 * `npm run bench` runs the same startup measurement and breakdown, and its
 * results are the ones `npm run bench:publish` writes to docs/performance.md.
 */
import { pathToFileURL } from 'node:url';
import { drive, linkPackage, spawnFixture } from '../test/support/runner.js';
import { startSink } from '../test/support/sink.js';
import type { Sink } from '../test/support/sink.js';
import { measureBreakdown } from './breakdown.js';
import { rerunUnderRequestedNode, runsOption } from './cli.js';
import { breakdownMarkdown, startupMarkdown } from './report.js';
import { median, rotated, spread } from './stats.js';
import type { Spread } from './stats.js';
import { BARE, startVariant, stop, VARIANTS } from './variants.js';

export interface StartupResult {
  readonly variant: string;
  /** Spawn to "listening". */
  readonly ms: Spread;
  /** Each round's time less bare node's in the same round. */
  readonly addedMs: Spread;
  /** RSS when the app printed "listening". */
  readonly rssMb: Spread;
  readonly addedRssMb: Spread;
}

export interface StartupReport {
  readonly rounds: number;
  readonly app: string;
  readonly variants: readonly StartupResult[];
}

/** `rounds` rounds; in each, every variant is started (hello-world app) and killed once it listens. */
export async function measureStartup(rounds: number, sinkPort: number): Promise<StartupReport> {
  const samples = new Map<string, { ms: number; rssMb: number }[]>(VARIANTS.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of rotated(VARIANTS, round)) {
      const { child, startupMs, rssMb } = await startVariant(variant, 'hello', sinkPort);
      await stop(child);
      samples.get(variant.name)?.push({ ms: startupMs, rssMb });
    }
  }
  const bare = samples.get(BARE) ?? [];
  return {
    rounds,
    app: 'bench/apps/hello.mjs',
    variants: VARIANTS.map((v) => {
      const xs = samples.get(v.name) ?? [];
      const minus = (key: 'ms' | 'rssMb'): number[] => xs.map((x, i) => x[key] - (bare[i]?.[key] ?? NaN));
      return {
        variant: v.name,
        ms: spread(xs.map((x) => x.ms)),
        addedMs: spread(minus('ms')),
        rssMb: spread(xs.map((x) => x.rssMb)),
        addedRssMb: spread(minus('rssMb')),
      };
    }),
  };
}

/** What a SIGTERM costs after 100 sampled requests, and the sampled share of POSTs at 0.25: this command's extras. */
async function shutdownAndSampling(sink: Sink): Promise<void> {
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
}

async function main(args: readonly string[]): Promise<void> {
  const runs = runsOption(args, 15);
  linkPackage();
  const sink = await startSink();
  try {
    const startup = await measureStartup(runs, sink.port);
    console.log(`Node ${process.version}\n\n${startupMarkdown(startup)}\n`);
    console.log(`${breakdownMarkdown(await measureBreakdown(runs, sink.dsn))}\n`);
    await shutdownAndSampling(sink);
  } finally {
    await sink.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const status = rerunUnderRequestedNode(process.argv[1], args);
  if (status === undefined) await main(args);
  else process.exitCode = status;
}
