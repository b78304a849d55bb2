/**
 * The overhead benchmark: every variant (bench/variants.ts) against bare node,
 * measured side by side in one run. All variants of a workload run at once
 * (idle but one); each route loads them in turn in short windows, several
 * rounds in a rotating order, and each window is divided by bare node's in the
 * same round. The medians of those ratios are the figures: this VM's speed
 * drifts too much for ratios of long runs taken minutes apart.
 *
 *   npm run bench                 # full: 3 runs, both workloads (8-12 minutes here, as the VM drifts)
 *   npm run bench -- --node 24    # the same, all of it under Node 24 (scripts/nodes, as test:matrix uses)
 *   npm run bench -- --runs 1     # shorter: 1 run, 5 startup rounds, 3 breakdown rounds
 *   npm run bench -- --quick      # CI smoke: 1 run, hello-world only, short loads, one startup round
 *
 * In order, each phase with no server of another running:
 *   1. the masking benchmark (bench/scrub.ts), in seconds. When it breaks one of
 *      its bounds, the run still measures and writes everything, then exits non-zero;
 *   2. startup (bench/startup.ts): 5 rounds per run, every variant spawned once a
 *      round, time to "listening" and RSS then;
 *   3. the startup breakdown (bench/breakdown.ts): 3 rounds per run;
 *   4. throughput, and RSS after 10 000 requests.
 *
 * Writes bench/results/latest-node<major>.{json,md,svg}; `npm run bench:publish`
 * then writes docs/performance.md from the Node 20 and Node 24 files.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { linkPackage } from '../test/support/runner.js';
import { startSink } from '../test/support/sink.js';
import type { Sink } from '../test/support/sink.js';
import { measureBreakdown } from './breakdown.js';
import { chartSvg } from './chart.js';
import { NODE_MAJOR, rerunUnderRequestedNode, runsOption } from './cli.js';
import { breakdownMarkdown, markdownTable, ROUTES, scrubMarkdown, startupMarkdown } from './report.js';
import type { Meta, Results, Route, Row } from './report.js';
import { printScrubReport, runScrubBench } from './scrub.js';
import { measureStartup } from './startup.js';
import { runStormBench, stormMarkdown } from './storm.js';
import { median, rotated } from './stats.js';
import { BARE, ROOT, startVariant, stop, VARIANTS } from './variants.js';
import type { Variant } from './variants.js';

const args = process.argv.slice(2);
const rerun = rerunUnderRequestedNode(process.argv[1] ?? '', args);
if (rerun !== undefined) process.exit(rerun);

const quick = args.includes('--quick');
const RUNS = quick ? 1 : runsOption(args, 3);
const STARTUP_ROUNDS = quick ? 1 : 5 * RUNS;
const BREAKDOWN_ROUNDS = quick ? 1 : 3 * RUNS;
/** Short load windows, every variant in turn, several rounds: this 2-core VM's speed drifts by 2-4x over minutes. */
const ROUNDS = quick ? 2 : 4;
const WINDOW_S = quick ? 0.3 : 0.5;
const CONNECTIONS = 10;

const WORKLOADS = quick ? (['hello'] as const) : (['hello', 'work'] as const);
/** A 60 s storm per variant, as issue 16 sets its goals; 3 s for the CI smoke. */
const STORM_S = quick ? 3 : 60;

// `--storm`: only the error storm, added to this Node's last results (the other figures are kept).
if (args.includes('--storm')) {
  const file = join(ROOT, 'bench', 'results', `latest-node${NODE_MAJOR}.json`);
  const previous = JSON.parse(readFileSync(file, 'utf8')) as Results;
  linkPackage();
  const stormSink = await startSink();
  const storm = await runStormBench(stormSink, STORM_S);
  await stormSink.close();
  writeFileSync(file, `${JSON.stringify({ ...previous, storm }, null, 2)}\n`);
  console.log(stormMarkdown(storm));
  process.exit(0);
}
type Workload = (typeof WORKLOADS)[number];

interface Window {
  readonly rps: number;
  readonly p99: number;
  /** This window's throughput over bare node's in the same round. */
  readonly ratio: number;
}

interface Sample {
  readonly rssMb: number;
}

const BODY = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b'] })) }).padEnd(
  10 * 1024,
  ' ',
);

async function load(port: number, route: Route, durationS: number): Promise<autocannon.Result> {
  const [method, path] = route.split(' ') as ['GET' | 'POST', string];
  return autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method,
    connections: CONNECTIONS,
    duration: durationS,
    ...(method === 'POST' ? { body: BODY, headers: { 'content-type': 'application/json' } } : {}),
  });
}

interface Running {
  readonly variant: Variant;
  readonly child: ChildProcess;
  readonly port: number;
  requests: number;
}

/**
 * One run of a workload: every variant started, then ROUNDS rounds in which
 * each route loads every variant for one short window, in an order that
 * rotates, so slow drift of the machine and the background exports of one
 * variant fall on all of them alike.
 */
async function runWorkload(workload: Workload, sink: Sink, run: number): Promise<{ samples: Sample[]; windows: Map<string, Window[]> }> {
  const running: Running[] = [];
  const windows = new Map<string, Window[]>(); // `${variant}|${route}`
  try {
    for (const variant of VARIANTS) {
      const { child, port } = await startVariant(variant, workload, sink.port);
      running.push({ variant, child, port, requests: 0 });
      await load(port, 'POST /work', 0.5); // warm-up: JIT, connection pools, lazy setup
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of ['GET /work', 'GET /readiness', 'POST /work'] as const) {
        const order = rotated(running, round + run);
        const rps = new Map<Running, { rps: number; p99: number }>();
        for (const r of order) {
          const result = await load(r.port, route, WINDOW_S);
          r.requests += result.requests.total;
          rps.set(r, { rps: result.requests.total / WINDOW_S, p99: result.latency.p99 });
        }
        const bare = rps.get(running[0] as Running)?.rps ?? NaN;
        for (const [r, w] of rps) {
          const key = `${r.variant.name}|${route}`;
          windows.set(key, [...(windows.get(key) ?? []), { ...w, ratio: w.rps / bare }]);
        }
      }
    }
    const samples: Sample[] = [];
    for (const r of running) {
      // RSS after (at least) 10 000 requests.
      if (r.requests < 10_000)
        await autocannon({ url: `http://127.0.0.1:${r.port}/readiness`, connections: CONNECTIONS, amount: 10_000 - r.requests });
      const rssMb = Number(await (await fetch(`http://127.0.0.1:${r.port}/__rss`)).text()) / 2 ** 20;
      samples.push({ rssMb });
    }
    return { samples, windows };
  } finally {
    for (const r of running) await stop(r.child);
  }
}

const begun = performance.now();
// Before any server is started, so nothing else competes for the 2 cores.
const scrub = runScrubBench(quick);
printScrubReport(scrub);

linkPackage();
const sink = await startSink();
// Each variant spawned alone, and killed once it listens: nothing else runs meanwhile.
const startup = await measureStartup(STARTUP_ROUNDS, sink.port);
console.log(`\n${startupMarkdown(startup)}\n`);
const breakdown = await measureBreakdown(BREAKDOWN_ROUNDS, sink.dsn);
console.log(`${breakdownMarkdown(breakdown)}\n`);

const samples = new Map<string, Sample[]>(); // `${workload}|${variant}`
const windows = new Map<string, Window[]>(); // `${workload}|${variant}|${route}`
for (let run = 0; run < RUNS; run++) {
  for (const workload of WORKLOADS) {
    const before = sink.requests.length;
    const result = await runWorkload(workload, sink, run);
    VARIANTS.forEach((variant, i) => {
      const key = `${workload}|${variant.name}`;
      samples.set(key, [...(samples.get(key) ?? []), result.samples[i] as Sample]);
      for (const route of ROUTES) {
        const w = result.windows.get(`${variant.name}|${route}`) ?? [];
        windows.set(`${key}|${route}`, [...(windows.get(`${key}|${route}`) ?? []), ...w]);
      }
    });
    console.error(`run ${run + 1}/${RUNS} ${workload}: ${sink.requests.length - before} deliveries at the sink`);
  }
}
const storm = await runStormBench(sink, STORM_S);
console.log(`\n${stormMarkdown(storm)}\n`);
// The sink counts deliveries from all variants together, so each tracing variant is checked alone, once.
for (const variant of VARIANTS.filter((v) => v.delivers.length > 0)) {
  const before = sink.requests.length;
  const { child, port } = await startVariant(variant, 'hello', sink.port);
  const missing = (): RegExp[] => variant.delivers.filter((path) => !sink.requests.slice(before).some((r) => path.test(r.url)));
  try {
    await load(port, 'POST /work', 1.5);
    await sink
      .waitFor(`${variant.name} to deliver`, () => missing().length === 0, 5000)
      .catch(() => {
        throw new Error(
          `${variant.name} sent nothing to ${missing().join(', ')} at the sink: it is not tracing (or exporting) as it should, so its figures would mean nothing`,
        );
      });
  } finally {
    await stop(child);
  }
}
await sink.close();

const rows: Row[] = [];
for (const workload of WORKLOADS) {
  const bare = samples.get(`${workload}|${BARE}`) ?? [];
  const bareRss = median(bare.map((s) => s.rssMb));
  for (const variant of VARIANTS) {
    const ss = samples.get(`${workload}|${variant.name}`) ?? [];
    const routes = {} as Row['routes'];
    for (const route of ROUTES) {
      const ws = windows.get(`${workload}|${variant.name}|${route}`) ?? [];
      const bareWs = windows.get(`${workload}|${BARE}|${route}`) ?? [];
      const p99 = median(ws.map((w) => w.p99));
      routes[route] = {
        rps: median(ws.map((w) => w.rps)),
        ratio: median(ws.map((w) => w.ratio)),
        p99,
        p99Ratio: p99 / median(bareWs.map((w) => w.p99)),
      };
    }
    const rssMb = median(ss.map((s) => s.rssMb));
    rows.push({
      workload,
      variant: variant.name,
      rssMb,
      rssDeltaMb: rssMb - bareRss,
      routes,
    });
  }
}

const table = markdownTable(rows);

const meta: Meta = {
  date: new Date().toISOString(),
  node: process.version,
  runs: RUNS,
  rounds: ROUNDS,
  durationS: WINDOW_S,
  connections: CONNECTIONS,
  quick,
  elapsedS: Math.round((performance.now() - begun) / 1000),
};
const results: Results = { meta, rows, scrub, startup, breakdown, storm };
const dir = join(ROOT, 'bench', 'results');
const base = join(dir, `latest-node${NODE_MAJOR}`);
mkdirSync(dir, { recursive: true });
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(
  `${base}.md`,
  `Node ${process.version}, ${meta.date}${quick ? ' (--quick)' : ''}.\n\n${startupMarkdown(startup)}\n\n${breakdownMarkdown(breakdown)}\n\n` +
    `Throughput as a share of bare node in the same run; median over ${RUNS} run(s) × ${ROUNDS} rounds of ${WINDOW_S} s windows per route, ` +
    `each window's throughput over bare node's in the same round, ${CONNECTIONS} connections (autocannon).\n\n${table}\n\n` +
    `${stormMarkdown(storm)}\n\n## Masking\n\n${scrubMarkdown(scrub)}\n`,
);
writeFileSync(`${base}.svg`, chartSvg(rows, ROUTES, meta));
console.log(table);
console.log(
  `\n(${meta.elapsedS} s; bench/results/latest-node${NODE_MAJOR}.{json,md,svg}; npm run bench:publish writes docs/performance.md from the Node 20 and 24 files)`,
);
for (const failure of scrub.failures) console.error(`scrub bench FAILED: ${failure}`);
if (scrub.failures.length > 0) process.exitCode = 1;
