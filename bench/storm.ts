/**
 * The error-storm benchmark (issue 16): every request fails, each with its own
 * message, at full speed. The requests are GETs, which the sampler never
 * traces: the figure is the preload's work per error, not its tracing. Bare node, ours with a DSN and `@sentry/node`'s own
 * setup run the same Express 5 app (bench/apps/storm.mjs) one after the other
 * for the same time, against the same sink; the figures are ratios to bare
 * node's in the same run. RSS is read a third of the way in and at the end,
 * so a plateau shows as two close numbers; the events each variant sent for
 * the storm's one kind of error are counted at the sink.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';
import type { Sink } from '../test/support/sink.js';
import { BARE, OURS_DSN, SENTRY_DEFAULT, startVariant, VARIANTS } from './variants.js';
import type { Variant } from './variants.js';

export interface StormRow {
  readonly variant: string;
  readonly rps: number;
  readonly ratio: number;
  readonly p99: number;
  readonly p99Ratio: number;
  /** RSS a third of the way into the storm, and at its end. */
  readonly rssEarlyMb: number;
  readonly rssEndMb: number;
  /** RSS at the end, over bare node's. */
  readonly rssAddedMb: number;
  /** Error events of the storm's one kind that reached the sink. */
  readonly events: number;
}

export interface StormReport {
  readonly seconds: number;
  readonly connections: number;
  readonly rows: readonly StormRow[];
}

const STORM_VARIANTS = [BARE, OURS_DSN, SENTRY_DEFAULT];
const CONNECTIONS = 10;

async function rss(port: number): Promise<number> {
  return Number(await (await fetch(`http://127.0.0.1:${port}/__rss`)).text()) / 2 ** 20;
}

function stormEvents(sink: Sink): number {
  return sink.events().filter((e) => JSON.stringify(e['exception'] ?? '').includes('upstream inventory refused')).length;
}

/** Runs the storm on one variant: load for `seconds`, RSS at a third and at the end, then SIGTERM (ours flushes). */
async function stormOne(variant: Variant, sink: Sink, seconds: number): Promise<Omit<StormRow, 'ratio' | 'p99Ratio' | 'rssAddedMb'>> {
  const extra: Record<string, string> = variant.name === SENTRY_DEFAULT ? { BENCH_SENTRY_EXPRESS: '1' } : {};
  const { child, port } = await startVariant({ ...variant, env: (p) => ({ ...variant.env(p), ...extra }) }, 'storm', sink.port);
  const before = stormEvents(sink);
  try {
    const run = autocannon({ url: `http://127.0.0.1:${port}/fail`, method: 'GET', connections: CONNECTIONS, duration: seconds });
    const early = new Promise<number>((resolve) => setTimeout(() => resolve(rss(port)), (seconds * 1000) / 3));
    const [result, rssEarlyMb] = await Promise.all([run, early]);
    const rssEndMb = await rss(port);
    await terminate(child);
    return {
      variant: variant.name,
      rps: result.requests.total / seconds,
      p99: result.latency.p99,
      rssEarlyMb,
      rssEndMb,
      events: stormEvents(sink) - before,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** SIGTERM, and its exit: ours flushes within 2 s; the others end at once. */
async function terminate(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
}

export async function runStormBench(sink: Sink, seconds: number): Promise<StormReport> {
  const rows: Array<Omit<StormRow, 'ratio' | 'p99Ratio' | 'rssAddedMb'>> = [];
  for (const name of STORM_VARIANTS) {
    const variant = VARIANTS.find((v) => v.name === name);
    if (variant) rows.push(await stormOne(variant, sink, seconds));
  }
  const bare = rows[0];
  return {
    seconds,
    connections: CONNECTIONS,
    rows: rows.map((r) => ({
      ...r,
      ratio: bare ? r.rps / bare.rps : NaN,
      p99Ratio: bare ? r.p99 / Math.max(bare.p99, 1) : NaN,
      rssAddedMb: bare ? r.rssEndMb - bare.rssEndMb : NaN,
    })),
  };
}

/** The storm's table: ratios to bare node in the same run. */
export function stormMarkdown(r: StormReport): string {
  const rows = r.rows.map((x) => [
    x.variant,
    `${Math.round(x.rps)}`,
    `${Math.round(x.ratio * 100)}%`,
    `${x.p99.toFixed(1)} ms (${x.p99Ratio.toFixed(2)}x)`,
    `${x.rssEarlyMb.toFixed(0)} → ${x.rssEndMb.toFixed(0)} MB`,
    x.variant === BARE ? '–' : `${x.rssAddedMb >= 0 ? '+' : ''}${x.rssAddedMb.toFixed(0)} MB`,
    x.variant === BARE ? '–' : String(x.events),
  ]);
  const head = ['variant', 'req/s', 'of bare', 'p99 (vs bare)', 'RSS at 1/3 → end', 'RSS added', 'events of the one kind'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    `**Error storm**: \`GET /fail\` of an Express 5 app throws a new \`Error\` with its own message on every request ` +
      '(a GET, which the sampler never traces, so the figure is the work per error alone; a POST storm also pays for tracing ' +
      'its sampled requests, as the POST rows of the throughput table show), ' +
      `${r.connections} connections for ${r.seconds} s per variant, one variant after the other against the same sink. ` +
      "`@sentry/node`'s setup adds its Express error handler, as its docs say.",
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
