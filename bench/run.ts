/**
 * The overhead benchmark: every variant against bare node, measured side by
 * side in one run. All variants of a workload run at once (idle but one); each
 * route loads them in turn in short windows, several rounds in a rotating
 * order, and each window is divided by bare node's in the same round. The
 * medians of those ratios are the figures: this VM's speed drifts too much for
 * ratios of long runs taken minutes apart.
 *
 *   npm run bench            # full: 3 runs, both workloads (4-8 minutes here, as the VM drifts)
 *   npm run bench -- --quick # CI smoke: 1 run, hello-world only, short loads
 *
 * First, in seconds, the masking benchmark (bench/scrub.ts): events and spans
 * per second through the masking, and maskString's time per KB on adversarial
 * input. When that breaks one of its bounds, the run still measures and writes
 * everything, then exits non-zero.
 *
 * The variants are bench/variants.ts's, shared with `npm run bench:startup`.
 *
 * Writes bench/results/latest.json, bench/results/latest.md and
 * bench/results/latest.svg; `npm run bench:publish` then writes docs/performance.md.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { linkPackage } from '../test/integration/runner.js';
import { startSink } from '../src/sink.js';
import type { Sink } from '../src/sink.js';
import { chartSvg } from './chart.js';
import { markdownTable, scrubMarkdown } from './report.js';
import { printScrubReport, runScrubBench } from './scrub.js';
import { median, rotated } from './stats.js';
import { BARE, ROOT, startVariant, stop, VARIANTS } from './variants.js';
import type { Variant } from './variants.js';

const BENCH = join(ROOT, 'bench');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const RUNS = quick ? 1 : 3;
/** Short load windows, every variant in turn, several rounds: this 2-core VM's speed drifts by 2-4x over minutes. */
const ROUNDS = quick ? 2 : 4;
const WINDOW_S = quick ? 0.3 : 0.5;
const CONNECTIONS = 10;

type Route = 'GET /work' | 'POST /work' | 'GET /readiness';
const ROUTES: readonly Route[] = ['GET /work', 'POST /work', 'GET /readiness'];
const WORKLOADS = quick ? (['hello'] as const) : (['hello', 'work'] as const);
type Workload = (typeof WORKLOADS)[number];

interface Window {
  readonly rps: number;
  readonly p99: number;
  /** This window's throughput over bare node's in the same round. */
  readonly ratio: number;
}

interface Sample {
  readonly startupMs: number;
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
  readonly startupMs: number;
  requests: number;
}

/**
 * One run of a workload: every variant started (startup measured one at a
 * time), then ROUNDS rounds in which each route loads every variant for one
 * short window, in an order that rotates, so slow drift of the machine and the
 * background exports of one variant fall on all of them alike.
 */
async function runWorkload(workload: Workload, sink: Sink, run: number): Promise<{ samples: Sample[]; windows: Map<string, Window[]> }> {
  const running: Running[] = [];
  const windows = new Map<string, Window[]>(); // `${variant}|${route}`
  try {
    for (const variant of VARIANTS) {
      const started = await startVariant(variant, workload, sink.port);
      running.push({ variant, ...started, requests: 0 });
      await load(started.port, 'POST /work', 0.5); // warm-up: JIT, connection pools, lazy setup
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
      samples.push({ startupMs: r.startupMs, rssMb });
    }
    return { samples, windows };
  } finally {
    for (const r of running) await stop(r.child);
  }
}

// Before any server is started, so nothing else competes for the 2 cores.
const scrub = runScrubBench(quick);
printScrubReport(scrub);

linkPackage();
const sink = await startSink();
const samples = new Map<string, Sample[]>(); // `${workload}|${variant}`
const windows = new Map<string, Window[]>(); // `${workload}|${variant}|${route}`
const begun = performance.now();
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

export interface Row {
  readonly workload: Workload;
  readonly variant: string;
  readonly startupMs: number;
  readonly startupDeltaMs: number;
  readonly rssMb: number;
  readonly rssDeltaMb: number;
  readonly routes: Record<Route, { rps: number; ratio: number; p99: number; p99Ratio: number }>;
}

const rows: Row[] = [];
for (const workload of WORKLOADS) {
  const bare = samples.get(`${workload}|${BARE}`) ?? [];
  const bareStartup = median(bare.map((s) => s.startupMs));
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
    const startupMs = median(ss.map((s) => s.startupMs));
    const rssMb = median(ss.map((s) => s.rssMb));
    rows.push({
      workload,
      variant: variant.name,
      startupMs,
      startupDeltaMs: startupMs - bareStartup,
      rssMb,
      rssDeltaMb: rssMb - bareRss,
      routes,
    });
  }
}

const table = markdownTable(rows, ROUTES);

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  runs: RUNS,
  rounds: ROUNDS,
  durationS: WINDOW_S,
  connections: CONNECTIONS,
  quick,
  elapsedS: Math.round((performance.now() - begun) / 1000),
};
const results = join(BENCH, 'results');
mkdirSync(results, { recursive: true });
writeFileSync(join(results, 'latest.json'), `${JSON.stringify({ meta, rows, scrub }, null, 2)}\n`);
writeFileSync(
  join(results, 'latest.md'),
  `Throughput as a share of bare node in the same run; median over ${RUNS} run(s) × ${ROUNDS} rounds of ${WINDOW_S} s windows per route, each window's throughput over bare node's in the same round, ${CONNECTIONS} connections (autocannon), Node ${process.version}, ${meta.date}.\n\n${table}\n\n## Masking\n\n${scrubMarkdown(scrub)}\n`,
);
writeFileSync(join(results, 'latest.svg'), chartSvg(rows, ROUTES, meta));
if (args.includes('--publish')) console.log('\nnow run: npm run bench:publish');
console.log(table);
console.log(`\n(${meta.elapsedS} s; bench/results/latest.{json,md,svg})`);
for (const failure of scrub.failures) console.error(`scrub bench FAILED: ${failure}`);
if (scrub.failures.length > 0) process.exitCode = 1;
