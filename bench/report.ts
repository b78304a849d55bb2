/**
 * The Markdown of the benchmarks' results: the tables `npm run bench` and
 * `npm run bench:startup` print, and docs/performance.md, which
 * `npm run bench:publish` writes from the full runs of each Node version.
 */
import type { BreakdownReport } from './breakdown.js';
import { TRADE_OFFS, WHERE_THE_TIME_GOES } from './notes.js';
import type { FamilyResult, ScrubReport } from './scrub.js';
import type { Spread } from './stats.js';
import type { StartupReport } from './startup.js';
import { stormMarkdown } from './storm.js';
import type { StormReport } from './storm.js';
import { BARE, OURS_COLLECTOR, OURS_DSN, OURS_NO_DSN, SENTRY_DEFAULT } from './variants.js';
import type { Workload } from './variants.js';

export interface Meta {
  readonly date: string;
  /** The Node every process of the run ran on (`process.version`). */
  readonly node: string;
  readonly runs: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly connections: number;
  readonly elapsedS: number;
  readonly quick: boolean;
}

/** bench/results/latest-node<major>.json, as `npm run bench` writes it. */
export interface Results {
  readonly meta: Meta;
  readonly rows: readonly Row[];
  /** Absent from runs made before these were part of `npm run bench`. */
  readonly scrub?: ScrubReport;
  readonly startup?: StartupReport;
  readonly breakdown?: BreakdownReport;
  readonly storm?: StormReport;
}

export type Route = 'GET /work' | 'POST /work' | 'GET /readiness';
export const ROUTES: readonly Route[] = ['GET /work', 'POST /work', 'GET /readiness'];

/** One variant on one workload: throughput per route against bare node's, and memory after the load. */
export interface Row {
  readonly workload: Workload;
  readonly variant: string;
  readonly rssMb: number;
  readonly rssDeltaMb: number;
  readonly routes: Record<Route, { rps: number; ratio: number; p99: number; p99Ratio: number }>;
}

/** Issue 14: the startup a DSN adds, as a share of what `@sentry/node`'s default setup adds. */
const STARTUP_SHARE = { goal: 0.4, stretch: 0.25 } as const;

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
const ms = (x: number): string => `${x.toFixed(0)} ms`;
/** A difference, signed: `+12`, `-7`. */
const signed = (x: number): string => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(0)}`;
const major = (version: string): string => version.replace(/^v/, '').split('.')[0] ?? version;
const range = (s: Spread, unit: string): string => `${s.min.toFixed(0)}–${s.max.toFixed(0)} ${unit}`;
const iqr = (s: Spread, unit: string, sign = false): string =>
  sign ? `${signed(s.p25)} to ${signed(s.p75)} ${unit}` : `${s.p25.toFixed(0)}–${s.p75.toFixed(0)} ${unit}`;

export function markdownTable(rows: readonly Row[]): string {
  return paddedTable(
    [
      'workload',
      'variant',
      'GET /work (dropped)',
      'POST /work (25% sampled)',
      'GET /readiness',
      'p99 GET / POST / readiness',
      'RSS after 10k req',
    ],
    rows.map((r) => [
      r.workload,
      r.variant,
      pct(r.routes['GET /work'].ratio),
      pct(r.routes['POST /work'].ratio),
      pct(r.routes['GET /readiness'].ratio),
      ROUTES.map((route) => `${r.routes[route].p99.toFixed(1)} ms`).join(' / '),
      `${r.rssMb.toFixed(0)} MB (${signed(r.rssDeltaMb)})`,
    ]),
  );
}

export function startupMarkdown(r: StartupReport): string {
  const ours = r.variants.find((v) => v.variant === OURS_DSN)?.addedMs.median;
  const sentry = r.variants.find((v) => v.variant === SENTRY_DEFAULT)?.addedMs.median;
  return [
    `**Startup**, spawn to the "listening" line of \`${r.app}\`, ${r.rounds} interleaved round(s): the median, the interquartile ` +
      `range and the extremes; "added" is the median of each round's time less bare node's in the same round.`,
    '',
    paddedTable(
      ['variant', 'startup', 'IQR', 'min–max', 'added', 'added, IQR', 'RSS at listening', 'RSS added'],
      r.variants.map((v) => {
        const bare = v.variant === BARE;
        return [
          v.variant,
          ms(v.ms.median),
          iqr(v.ms, 'ms'),
          range(v.ms, 'ms'),
          bare ? '–' : `${signed(v.addedMs.median)} ms`,
          bare ? '–' : iqr(v.addedMs, 'ms', true),
          `${v.rssMb.median.toFixed(0)} MB`,
          bare ? '–' : `${signed(v.addedRssMb.median)} MB`,
        ];
      }),
    ),
    ...(ours !== undefined && sentry !== undefined
      ? [
          '',
          `With a DSN the preload adds ${pct(ours / sentry)} of what \`@sentry/node\`'s default setup adds (issue 14's goal: ≤ ${pct(STARTUP_SHARE.goal)}).`,
        ]
      : []),
  ].join('\n');
}

export function breakdownMarkdown(b: BreakdownReport): string {
  const piece = (id: string): number | undefined => b.pieces.find((p) => p.id === id)?.ms.median;
  const start = piece('start');
  const noDsn = piece('no-dsn');
  const lines = [
    `**Startup breakdown**: each piece timed inside a fresh process of its own (Node's boot not counted), the pieces in a ` +
      `rotating order, ${b.rounds} round(s); medians, and the spread. RSS added is the process's RSS after the piece less before it.`,
    '',
    paddedTable(
      ['piece', 'time', 'IQR', 'min–max', 'RSS added', 'what the process times'],
      b.pieces.map((p) => [p.label, ms(p.ms.median), iqr(p.ms, 'ms'), range(p.ms, 'ms'), `${signed(p.rssMb.median)} MB`, p.what]),
    ),
    '',
  ];
  if (start !== undefined && noDsn !== undefined)
    lines.push(`\`start()\` alone, with a DSN: about ${ms(start - noDsn)} (the "start()" row less the "ours, no DSN" row).`, '');
  lines.push(wiringNote(b));
  return lines.join('\n');
}

/** What the DSN wiring is in this build, which decides what "our code on the DSN path" holds. */
function wiringNote(b: BreakdownReport): string {
  if (b.wiring === undefined)
    return (
      `The preload (\`${b.entry}\`) has no module of its own for the DSN path (a bundle that inlines it): its imports ` +
      'are counted in "whole preload, DSN" only.'
    );
  const copies = [
    b.sentryFromNodeModules === false ? '`@sentry/node`' : undefined,
    b.otelFromNodeModules === false ? '`@opentelemetry/sdk-node`' : undefined,
  ].filter((x) => x !== undefined);
  return copies.length === 0
    ? `The DSN wiring is \`${b.wiring}\`, reached from \`${b.entry}\`; it imports \`@sentry/node\` and ` +
        '`@opentelemetry/sdk-node` from node_modules, so "our code on the DSN path" is our modules and what they import beyond those two.'
    : `The DSN wiring is \`${b.wiring}\`, reached from \`${b.entry}\`; it carries its own copy of ${copies.join(' and ')} ` +
        '(a bundle), so the "Sentry" and "OTel" rows are the packages as installed, for comparison, and "our code on the DSN path" ' +
        'includes the bundled copy: loading the installed packages first saves only what the wiring still imports from node_modules ' +
        '(such as `@opentelemetry/api`).';
}

interface Verdict {
  readonly value: string;
  readonly met?: boolean;
  /** Whether the stretch goal was met, for the goals that have one. */
  readonly stretch?: boolean;
}

interface Goal {
  readonly figure: string;
  readonly goal: string;
  /** The Node majors the goal is set for; every one when absent. Elsewhere the figure is shown without a verdict. */
  readonly nodes?: readonly string[];
  readonly measure: (r: Results) => Verdict | undefined;
}

const row = (r: Results, workload: string, variant: string): Row | undefined =>
  r.rows.find((x) => x.workload === workload && x.variant === variant);
const added = (r: Results, variant: string): number | undefined => r.startup?.variants.find((v) => v.variant === variant)?.addedMs.median;
const ratioGoal =
  (workload: string, route: Route, min: number) =>
  (r: Results): Verdict | undefined => {
    const ratio = row(r, workload, OURS_DSN)?.routes[route].ratio;
    return ratio === undefined ? undefined : { value: pct(ratio), met: ratio >= min };
  };

/** The goals of issue 14, each evaluated on each Node's run; the masking bounds are bench/scrub.ts's. */
const goals = (scrub: ScrubReport | undefined): readonly Goal[] => [
  {
    figure: 'startup added, DSN',
    goal: `≤ ${pct(STARTUP_SHARE.goal)} of what \`@sentry/node\`'s default adds (stretch: ≤ ${pct(STARTUP_SHARE.stretch)})`,
    measure: (r) => {
      const ours = added(r, OURS_DSN);
      const sentry = added(r, SENTRY_DEFAULT);
      if (ours === undefined || sentry === undefined) return undefined;
      return {
        value: `${signed(ours)} ms, ${pct(ours / sentry)} of ${signed(sentry)} ms`,
        met: ours <= STARTUP_SHARE.goal * sentry,
        stretch: ours <= STARTUP_SHARE.stretch * sentry,
      };
    },
  },
  {
    figure: 'RSS added, DSN, after 10 000 requests (hello-world)',
    goal: '≤ +50 MB (stretch: ≤ +35 MB)',
    measure: (r) => {
      const mb = row(r, 'hello', OURS_DSN)?.rssDeltaMb;
      return mb === undefined ? undefined : { value: `${signed(mb)} MB`, met: mb <= 50, stretch: mb <= 35 };
    },
  },
  {
    figure: 'no DSN: startup added',
    goal: '≤ +10 ms',
    measure: (r) => {
      const ours = r.startup?.variants.find((v) => v.variant === OURS_NO_DSN)?.addedMs;
      if (ours === undefined) return undefined;
      // This VM's spread is tens of ms; the preload's own import, timed inside one process, resolves a few.
      const own = r.breakdown?.pieces.find((p) => p.id === 'no-dsn')?.ms.median;
      const detail = `IQR ${iqr(ours, 'ms', true)}${own === undefined ? '' : `; its own import ${ms(own)}`}`;
      return {
        value: `${signed(ours.median)} ms (${detail})`,
        met: ours.median <= 10,
      };
    },
  },
  {
    figure: 'no DSN: throughput, hello-world, worst route',
    goal: '≥ 98%',
    measure: (r) => {
      const noDsn = row(r, 'hello', OURS_NO_DSN);
      if (!noDsn) return undefined;
      const worst = Math.min(...Object.values(noDsn.routes).map((x) => x.ratio));
      return { value: pct(worst), met: worst >= 0.98 };
    },
  },
  {
    figure: 'dropped GET, hello-world',
    goal: '≥ 90% of bare (Node 24)',
    nodes: ['24'],
    measure: ratioGoal('hello', 'GET /work', 0.9),
  },
  {
    figure: 'POST 25% sampled, hello-world',
    goal: '≥ 60% of bare (Node 24)',
    nodes: ['24'],
    measure: ratioGoal('hello', 'POST /work', 0.6),
  },
  {
    figure: 'POST 25% sampled, realistic handler',
    goal: '≥ 90% of bare (Node 20 and 24)',
    nodes: ['20', '24'],
    measure: ratioGoal('work', 'POST /work', 0.9),
  },
  {
    figure: 'error storm: throughput, DSN',
    goal: '≥ 80% of the same app plain (issue 16)',
    measure: (r) => stormGoal(r, (x) => ({ value: pct(x.ratio), met: x.ratio >= 0.8 })),
  },
  {
    figure: 'error storm: p99, DSN',
    goal: '≤ 1.5× plain',
    measure: (r) => stormGoal(r, (x) => ({ value: `${x.p99Ratio.toFixed(2)}x`, met: x.p99Ratio <= 1.5 })),
  },
  {
    figure: 'error storm: RSS, DSN',
    goal: 'plateaus; ≤ +60 MB over plain',
    measure: (r) =>
      stormGoal(r, (x) => ({
        value: `${signed(x.rssAddedMb)} MB (${x.rssEarlyMb.toFixed(0)} → ${x.rssEndMb.toFixed(0)} MB)`,
        met: x.rssAddedMb <= 60 && x.rssEndMb <= x.rssEarlyMb * 1.15,
      })),
  },
  {
    figure: 'error storm: events of one kind',
    goal: '≤ 20 in a 60 s storm, the rest counted',
    measure: (r) => stormGoal(r, (x) => ({ value: String(x.events), met: x.events <= 20 })),
  },
  {
    figure: 'masking, adversarial input',
    goal: scrub ? `≤ ${scrub.budgetUsPerKb} µs per KB at 16 KB, per-KB growth 1→16 KB ≤ ${scrub.maxGrowth}x` : 'its bounds',
    measure: (r) => (r.scrub ? maskingVerdict(r.scrub) : undefined),
  },
];

function stormGoal(r: Results, verdict: (row: StormReport['rows'][number]) => Verdict): Verdict | undefined {
  const ours = r.storm?.rows.find((x) => x.variant === OURS_DSN);
  return ours ? verdict(ours) : undefined;
}

function verdictText(v: Verdict | undefined, applies: boolean): string {
  if (v === undefined) return 'not measured';
  if (!applies || v.met === undefined) return '(no goal on this Node)';
  if (!v.met) return '**missed**';
  if (v.stretch === undefined) return 'met';
  return v.stretch ? 'met, stretch met' : 'met, stretch missed';
}

/** One row per goal; per Node, the figure and whether it meets the goal. */
function goalsMarkdown(runs: readonly Results[]): string {
  const nodes = runs.map((r) => major(r.meta.node));
  return paddedTable(
    ['figure', 'goal', ...nodes.flatMap((n) => [`Node ${n}`, ''])],
    goals(runs.find((r) => r.scrub)?.scrub).map((g) => [
      g.figure,
      g.goal,
      ...runs.flatMap((r, i) => {
        const v = g.measure(r);
        return [v?.value ?? '–', verdictText(v, !g.nodes || g.nodes.includes(nodes[i] ?? ''))];
      }),
    ]),
  );
}

const runLine = (r: Results): string => {
  const m = r.meta;
  return (
    `- **Node ${m.node}**: ${m.date.slice(0, 10)}, ${m.runs} run(s) × ${m.rounds} rounds of ${m.durationS} s windows, ` +
    `startup ${r.startup?.rounds ?? 0} round(s), breakdown ${r.breakdown?.rounds ?? 0} round(s), ${m.elapsedS} s in all`
  );
};

/** docs/performance.md, from the full runs of each Node version (the first is the one CI runs). */
export function performanceDoc(runs: readonly Results[]): string {
  const perNode = (title: string, section: (r: Results) => string | undefined): string =>
    runs
      .map((r) => [r, section(r)] as const)
      .filter(([, text]) => text !== undefined)
      .map(([r, text]) => `### ${title}, Node ${major(r.meta.node)}\n\n${text}`)
      .join('\n\n');
  const m = runs[0]?.meta;
  return `# Performance

<!-- Written by \`npm run bench:publish\` (bench/report.ts, bench/notes.ts) from the full runs of \`npm run bench\` and \`npm run bench -- --node 24\`; do not edit by hand. -->

Measured with \`npm run bench\` on each Node line (\`npm run bench -- --node 24\` re-runs the whole benchmark, harness and
load generator included, under the Node 24 of \`scripts/nodes\`), then \`npm run bench:publish\`, on this project's 2-core
machine. Every figure compares processes of one run and one Node version, measured side by side:

${runs.map(runLine).join('\n')}

In a run, every variant is started in turn, ${m ? `${m.rounds} rounds load each route on every variant in turn for ${m.durationS} s` : 'rounds load each route on every variant in turn'}, in a
rotating order (${m?.connections ?? 10} connections, autocannon in-process), and each window's throughput is divided by bare
node's in the same round; the figures are the medians of those ratios. Startup is measured in rounds of its own, each
starting every variant once, in a rotating order, before any server of the throughput rounds runs.

![Throughput as a share of bare node](performance.svg)

(Also as [PNG](performance.png) where it was rendered.)

## Goals

${goalsMarkdown(runs)}

**Noise.** The "ours, no DSN" variant loads nothing but one config read, so its distance from 100% is this machine's noise:
${runs.map((r) => `Node ${major(r.meta.node)}: ${noiseNote(r.rows)}`).join('; ')}. autocannon runs in the benchmark's own
process, on the same 2 cores as the server, so hello-world figures (tens of thousands of requests a second) move by tens of
percent between runs; the realistic handler moves less. Read single hello-world ratios with that margin, and startup
differences of a few milliseconds against the spread in the startup tables.

## Startup

${perNode('Startup', (r) => (r.startup ? startupMarkdown(r.startup) : undefined)) || 'Not measured in these runs.'}

## Startup breakdown

${perNode('Breakdown', (r) => (r.breakdown ? breakdownMarkdown(r.breakdown) : undefined)) || 'Not measured in these runs.'}

## Throughput and memory

${perNode('Throughput and memory', (r) => [markdownTable(r.rows), collectorNote(r.rows)].filter(Boolean).join('\n\n'))}

Variants: bare \`node app\`; ours without a DSN; ours with a DSN pointed at a local sink; the same with
\`OTEL_EXPORTER_OTLP_ENDPOINT\` at the sink too (every sampled span exported twice, OTLP/protobuf); \`@sentry/node\` 11's own setup
(\`Sentry.init({ dsn, tracesSampleRate: 0.25 })\` through \`--import\`); \`@opentelemetry/auto-instrumentations-node/register\`
with \`parentbased_traceidratio\` 0.25 exporting OTLP to the same sink. Workloads: \`hello\` answers at once; \`work\` parses
a 10 KB JSON body and does about 1 ms of CPU work. Routes: \`GET /work\` (dropped by our sampler), \`POST /work\` (25% sampled),
\`GET /readiness\` (never traced). RSS is read after at least 10 000 requests.

## Error storm

${perNode('Error storm', (r) => (r.storm ? stormMarkdown(r.storm) : undefined)) || 'Not measured in these runs.'}

## Masking

${perNode('Masking', (r) => (r.scrub ? scrubMarkdown(r.scrub) : undefined)) || 'Not measured in these runs.'}

${TRADE_OFFS}
${WHERE_THE_TIME_GOES}`;
}

function noiseNote(rows: readonly Row[]): string {
  return rows
    .filter((r) => r.variant === OURS_NO_DSN)
    .map((r) => {
      const ratios = Object.values(r.routes).map((x) => x.ratio);
      return `${r.workload} ${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))} of bare`;
    })
    .join(', ');
}

/** What the second OTLP backend costs: the same spans exported twice, against exporting them once, route by route. */
function collectorNote(rows: readonly Row[]): string {
  const lines: string[] = [];
  for (const workload of ['hello', 'work']) {
    const once = rows.find((r) => r.workload === workload && r.variant === OURS_DSN);
    const twice = rows.find((r) => r.workload === workload && r.variant === OURS_COLLECTOR);
    if (!once || !twice) continue;
    const routes = ROUTES.map((route) => `${route} ${pct(twice.routes[route].ratio)} (${pct(once.routes[route].ratio)} without)`).join(
      ', ',
    );
    lines.push(`${workload}: ${routes}; RSS ${signed(twice.rssDeltaMb)} MB (${signed(once.rssDeltaMb)} without)`);
  }
  if (lines.length === 0) return '';
  return `**A second trace backend** (\`OTEL_EXPORTER_OTLP_ENDPOINT\`): only the sampled POSTs export twice, so only that route
should move; the others differ by this machine's noise. ${lines.join('. ')}.`;
}

/** The worst family against the masking bounds. */
function maskingVerdict(r: ScrubReport): Verdict {
  const reached = r.families.filter((f) => f.growth !== undefined);
  const at16 = reached.map((f) => f.sizes.find((s) => s.kb === 16)?.usPerKb ?? 0);
  const growth = reached.map((f) => f.growth ?? 0);
  const short = r.families.length - reached.length;
  const value =
    `worst ${usCell(Math.max(0, ...at16))} µs per KB at 16 KB, ${Math.max(0, ...growth).toFixed(1)}x` +
    (short > 0 ? `; ${short} input(s) over the budget before 16 KB` : '') +
    (r.failures.length > 0 ? `; ${r.failures.length} bound(s) broken` : '');
  return { value, met: r.failures.length === 0 };
}

const perSecond = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(0)}k` : x.toFixed(0));
const usCell = (x: number): string => (x < 10 ? x.toFixed(1) : x.toFixed(0));

/** A Markdown table with its columns padded, so it reads in a terminal too. */
function paddedTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function familyRow(f: FamilyResult): string[] {
  const sizes = f.sizes.map((s) =>
    s.usPerKb !== undefined ? usCell(s.usPerKb) : s.callMs !== undefined ? `over (${s.callMs.toFixed(0)} ms/call)` : 'skipped',
  );
  const ratio = (x: number | undefined): string => (x === undefined ? '–' : `${x.toFixed(1)}x`);
  return [f.name, f.rule, ...sizes, ratio(f.growth), ratio(f.cut), f.failures.length ? '**FAIL**' : 'ok'];
}

/** The masking benchmark's figures: throughput, then maskString's time per KB on adversarial input. */
export function scrubMarkdown(r: ScrubReport): string {
  const t = r.throughput;
  const sizes = r.families[0]?.sizes.map((s) => `${s.kb} KB`) ?? [];
  return [
    `**Masking throughput** (median of ${r.repeats} interleaved rounds): ${perSecond(t.eventsPerS)} error events/s through the ` +
      `before-send pipeline (${usCell(t.pipelineUs)} µs each; a ${t.eventKb.toFixed(1)} KB Express error event with 10 frames of ` +
      `source context, 30 breadcrumbs, request, tags, extra and contexts; the structuredClone making each copy, ${usCell(t.cloneUs)} µs, ` +
      `not counted). ${perSecond(t.spansPerS)} spans/s through \`redactAttributes\` (${usCell(t.spanUs)} µs each, HTTP server and client spans).`,
    '',
    `**\`maskString\` on adversarial input**, µs per KB of input (median of ${r.repeats}). Bounds: at most ${r.budgetUsPerKb} µs per KB at ` +
      `16 KB (and in any single call); per-KB time at 16 KB at most ${r.maxGrowth}x that at 1 KB (linear ~1x, quadratic ~16x); a 256 KB call ` +
      `at most ${r.maxCutRatio}x a 16 KB call (input cut at 16 KB).`,
    '',
    paddedTable(['input', 'rule', ...sizes, 'per KB, 16 KB / 1 KB', 'call, 256 KB / 16 KB', 'bounds'], r.families.map(familyRow)),
  ].join('\n');
}
