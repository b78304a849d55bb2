/** The Markdown tables of the benchmarks' results, and docs/performance.md from the benchmark's rows. */
import type { BreakdownReport } from './breakdown.js';
import type { Row } from './run.js';
import type { FamilyResult, ScrubReport } from './scrub.js';
import type { Spread } from './stats.js';
import type { StartupReport } from './startup.js';
import { BARE, OURS_DSN, SENTRY_DEFAULT } from './variants.js';

export interface Meta {
  readonly date: string;
  readonly node: string;
  readonly runs: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly connections: number;
  readonly elapsedS: number;
}

type Route = 'GET /work' | 'POST /work' | 'GET /readiness';

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
/** Issue 14: the startup a DSN adds, as a share of what `@sentry/node`'s default setup adds. */
const STARTUP_SHARE = { goal: 0.4, stretch: 0.25 } as const;

const ms = (x: number): string => `${x.toFixed(0)} ms`;
/** A difference, signed: `+12`, `-7`. */
const signed = (x: number): string => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(0)}`;
const range = (s: Spread, unit: string): string => `${s.min.toFixed(0)}–${s.max.toFixed(0)} ${unit}`;
const iqr = (s: Spread, unit: string, sign = false): string =>
  sign ? `${signed(s.p25)} to ${signed(s.p75)} ${unit}` : `${s.p25.toFixed(0)}–${s.p75.toFixed(0)} ${unit}`;

export function markdownTable(rows: readonly Row[], routes: readonly Route[]): string {
  return [
    `| workload | variant | GET /work (dropped) | POST /work (25% sampled) | GET /readiness | p99 GET / POST / readiness | startup | RSS after 10k req |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.variant} | ${pct(r.routes['GET /work'].ratio)} | ${pct(r.routes['POST /work'].ratio)} | ${pct(r.routes['GET /readiness'].ratio)} | ` +
        `${routes.map((route) => `${r.routes[route].p99.toFixed(1)} ms`).join(' / ')} | ${r.startupMs.toFixed(0)} ms (+${r.startupDeltaMs.toFixed(0)}) | ` +
        `${r.rssMb.toFixed(0)} MB (+${r.rssDeltaMb.toFixed(0)}) |`,
    ),
  ].join('\n');
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
        'includes the bundled copy: loading the installed packages first saves it nothing.';
}

export function performanceDoc(all: readonly Row[], table: string, m: Meta, scrub?: ScrubReport): string {
  const find = (workload: string, variant: string): Row | undefined => all.find((r) => r.workload === workload && r.variant === variant);
  const noDsn = find('hello', 'ours, no DSN');
  const ours = find('hello', 'ours, DSN');
  const oursWork = find('work', 'ours, DSN');
  const sentry = find('hello', '@sentry/node default (tracesSampleRate 0.25)');
  const goal = (name: string, target: string, value: string, met: boolean | undefined): string =>
    `| ${name} | ${target} | ${value} | ${met === undefined ? 'not measured' : met ? 'met' : '**missed**'} |`;
  const goals = [
    '| Figure | Goal | Measured | |',
    '| --- | --- | --- | --- |',
    goal('no DSN: startup', '≤ +10 ms', noDsn ? `+${noDsn.startupDeltaMs.toFixed(0)} ms` : '–', noDsn && noDsn.startupDeltaMs <= 10),
    goal(
      'no DSN: throughput (worst route)',
      '≥ 98%',
      noDsn ? pct(Math.min(...Object.values(noDsn.routes).map((r) => r.ratio))) : '–',
      noDsn && Math.min(...Object.values(noDsn.routes).map((r) => r.ratio)) >= 0.98,
    ),
    goal(
      'dropped GET, hello-world',
      '≥ 85%',
      ours ? pct(ours.routes['GET /work'].ratio) : '–',
      ours && ours.routes['GET /work'].ratio >= 0.85,
    ),
    goal(
      'POST 25% sampled, hello-world',
      '≥ 60%',
      ours ? pct(ours.routes['POST /work'].ratio) : '–',
      ours && ours.routes['POST /work'].ratio >= 0.6,
    ),
    goal(
      'POST 25% sampled, realistic handler',
      '≥ 90%',
      oursWork ? pct(oursWork.routes['POST /work'].ratio) : '–',
      oursWork ? oursWork.routes['POST /work'].ratio >= 0.9 : undefined,
    ),
    goal(
      'startup with DSN',
      `≤ 60% of what @sentry/node's default adds${sentry ? ` (≤ ${(0.6 * sentry.startupDeltaMs).toFixed(0)} ms)` : ''}`,
      ours ? `+${ours.startupDeltaMs.toFixed(0)} ms` : '–',
      ours && sentry && ours.startupDeltaMs <= 0.6 * sentry.startupDeltaMs,
    ),
    goal('RSS with DSN', '≤ +60 MB', ours ? `+${ours.rssDeltaMb.toFixed(0)} MB` : '–', ours && ours.rssDeltaMb <= 60),
    ...(scrub ? [maskingGoal(scrub)] : []),
  ].join('\n');
  return `# Performance

Measured with \`npm run bench\`, then \`npm run bench:publish\` (the full run: ${m.runs} runs; in each, every variant is started, then ${m.rounds} rounds load each route on every variant in turn for ${m.durationS} s, in a rotating order; ${m.connections} connections,
autocannon in-process), ${m.date.slice(0, 10)}, Node ${m.node}, on this project's 2-core machine, in ${m.elapsedS} s.
Every throughput figure is the median, over all rounds, of a window's throughput over bare node's in the same round; startup and RSS are medians over the runs against bare node's.

![Throughput as a share of bare node](performance.svg)

(Also as [PNG](performance.png) where it was rendered.)

## Goals

${goals}

**Noise.** The "ours, no DSN" variant loads nothing but one config read, so its distance from 100% is this machine's noise:
${noiseNote(all)}. autocannon runs in the benchmark's own process, on the same 2 cores as the server, so hello-world figures
(tens of thousands of requests a second) move by tens of percent between runs; the realistic handler moves less. Read single
hello-world ratios with that margin.

## All figures

${table}

${collectorNote(all)}

Variants: bare \`node app\`; ours without a DSN; ours with a DSN pointed at a local sink; the same with
\`OTEL_EXPORTER_OTLP_ENDPOINT\` at the sink too (every sampled span exported twice, OTLP/protobuf); \`@sentry/node\` 11's own setup
(\`Sentry.init({ dsn, tracesSampleRate: 0.25 })\` through \`--import\`); \`@opentelemetry/auto-instrumentations-node/register\`
with \`parentbased_traceidratio\` 0.25 exporting OTLP to the same sink. Workloads: \`hello\` answers at once; \`work\` parses
a 10 KB JSON body and does about 1 ms of CPU work. Routes: \`GET /work\` (dropped by our sampler), \`POST /work\` (25% sampled),
\`GET /readiness\` (never traced). Startup is the time from spawning the process to its "listening" line; RSS is read after at
least 10 000 requests.
${scrub ? `\n## Masking\n\n${scrubMarkdown(scrub)}\n` : ''}
## Trade-offs made for these figures

- **Requests the sampler drops skip OTel entirely** (\`src/gate.ts\`). OTel's http instrumentation still enters a
  context and binds the request and response emitters for a request its \`ignoreIncomingRequestHook\` rejects; the gate
  wraps OTel's wrapper and sends GETs and health routes straight past it. A trace that arrives on such a request is not
  carried on to the calls it makes.
- **POSTs that start a trace are sampled at the gate**, by the same \`LightspeedSampler\`, before OTel spends anything on
  them. The gate draws the trace id; a kept request hands it to OTel's id generator, so OTel's own sampler decision (on the
  same id) comes out the same. A dropped one runs in a bare unsampled span context: its outgoing calls still carry
  \`traceparent …-00\` and \`sentry-trace …-0\`, and its errors still carry a trace id, but no span object, attributes or
  emitter bindings are made. POSTs from a traced peer (\`traceparent\` or \`sentry-trace\`) go through OTel, which follows
  the peer's decision.
- **Sentry's Http integration is not used.** Its server side clones scopes twice, copies every header and keeps request
  sessions for each request, which a profile showed to cost more than half of the server's throughput. \`src/isolation.ts\`
  gives each request its own isolation scope (tags, user and breadcrumbs stay with it; events keep method, URL and transaction
  name). Given up with it: breadcrumbs for outgoing \`http.request\` calls (\`fetch\` keeps them), release-health request
  sessions, and the response status in the event's \`response\` context.
- **The isolation scope is forked lazily.** Each request enters Sentry's own AsyncLocalStorage with a placeholder; the first
  read of its scopes (a tag, a breadcrumb, an error) runs \`Sentry.withIsolationScope\` from the request's parent context.
  Most requests never touch Sentry and pay one AsyncLocalStorage entry instead of two scope clones and three random ids. The
  store's shape is Sentry's private API, so it is probed at start; a mismatch falls back to forking eagerly.
- **Outgoing calls outside any request get no span and no trace headers** (\`requireParentfor…\`).
- **The OTel peer runs with OTel's ESM loader** (\`--experimental-loader=@opentelemetry/instrumentation/hook.mjs\`), as
  OTel documents for ESM apps. Without it the http instrumentation never sees the app's \`import http\` and traces nothing,
  which made earlier runs of this benchmark report it near bare speed. Every tracing variant must now deliver to the sink, or
  the run fails.

## Where the rest of the time goes

- **Startup with a DSN** is dominated by importing \`@sentry/node\` (about 620 ms here: its ESM entry loads every
  integration) and \`@opentelemetry/sdk-node\` (about 240 ms: it loads every exporter, gRPC and protobuf included). The
  preload needs both. \`@sentry/node\`'s own setup pays the first one too, which is why 60% of its added time is out of
  reach while the preload imports \`@sentry/node\`.
- **RSS** follows the same imports.
- **A dropped request** pays one AsyncLocalStorage entry, and Node 20's async-hooks bookkeeping for every async resource
  the request creates while any AsyncLocalStorage is in use. A hand-written preload doing nothing but one
  \`AsyncLocalStorage.run\` per request measured 85–92% of bare on hello-world here: that is the floor for any per-request
  isolation on Node 20.
- **A sampled request** pays OTel's full server-span path (attributes, context, emitter bindings, span end) and its share
  of the OTLP export (serialization and masking of span attributes).
`;
}

function noiseNote(all: readonly Row[]): string {
  return all
    .filter((r) => r.variant === 'ours, no DSN')
    .map((r) => {
      const ratios = Object.values(r.routes).map((x) => x.ratio);
      return `${r.workload} ${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))} of bare`;
    })
    .join(', ');
}

/** What the second OTLP backend costs: the same spans exported twice, against exporting them once, route by route. */
function collectorNote(all: readonly Row[]): string {
  const lines: string[] = [];
  for (const workload of ['hello', 'work']) {
    const once = all.find((r) => r.workload === workload && r.variant === 'ours, DSN');
    const twice = all.find((r) => r.workload === workload && r.variant === 'ours, DSN + OTLP collector');
    if (!once || !twice) continue;
    const routes = (['GET /work', 'POST /work', 'GET /readiness'] as const)
      .map((route) => `${route} ${pct(twice.routes[route].ratio)} (${pct(once.routes[route].ratio)} without)`)
      .join(', ');
    lines.push(
      `${workload}: ${routes}; startup +${twice.startupDeltaMs.toFixed(0)} ms (+${once.startupDeltaMs.toFixed(0)} without), RSS +${twice.rssDeltaMb.toFixed(0)} MB (+${once.rssDeltaMb.toFixed(0)} without)`,
    );
  }
  if (lines.length === 0) return '';
  return `**A second trace backend** (\`OTEL_EXPORTER_OTLP_ENDPOINT\`): only the sampled POSTs export twice, so only that route
should move; the others differ by this machine's noise. ${lines.join('. ')}.`;
}

const perSecond = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(0)}k` : x.toFixed(0));
const usCell = (x: number): string => (x < 10 ? x.toFixed(1) : x.toFixed(0));

/** A Markdown table with its columns padded, so it reads in a terminal too. */
export function paddedTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
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

/** The worst family against the masking bounds, as a row of the goals table. */
function maskingGoal(r: ScrubReport): string {
  const reached = r.families.filter((f) => f.growth !== undefined);
  const at16 = reached.map((f) => f.sizes.find((s) => s.kb === 16)?.usPerKb ?? 0);
  const growth = reached.map((f) => f.growth ?? 0);
  const short = r.families.length - reached.length;
  const measured =
    `worst ${usCell(Math.max(0, ...at16))} µs per KB at 16 KB, ${Math.max(0, ...growth).toFixed(1)}x` +
    (short > 0 ? `; ${short} input(s) over the budget before 16 KB` : '');
  const met = r.failures.length === 0 ? 'met' : `**missed** (${r.failures.length} bound(s))`;
  return `| masking, adversarial input | ≤ ${r.budgetUsPerKb} µs per KB at 16 KB, per-KB growth 1→16 KB ≤ ${r.maxGrowth}x | ${measured} | ${met} |`;
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
      `16 KB (and in any single call); per-KB time at 16 KB at most ${r.maxGrowth}x that at 1 KB (linear ~1x, quadratic ~16x); a 64 KB call ` +
      `at most ${r.maxCutRatio}x a 16 KB call (input cut at 16 KB).`,
    '',
    paddedTable(['input', 'rule', ...sizes, 'per KB, 16 KB / 1 KB', 'call, 64 KB / 16 KB', 'bounds'], r.families.map(familyRow)),
  ].join('\n');
}
