/**
 * Shared pieces of the fault-injection suite: sinks that misbehave on
 * purpose, latency sampling, and the figures each scenario reports.
 */
import { performance } from 'node:perf_hooks';
import type { Proc } from './runner.js';
import { startSink } from './sink.js';
import { closedPort } from './ports.js';
import type { Sink, SinkOptions } from './sink.js';

export const SHUTDOWN_BOUND_MS = 2200;
export const JSON_BODY = { headers: { 'content-type': 'application/json' }, body: '{}' };

/** A DSN whose port refuses connections: a port we bound and released. */
export async function refusedDsn(): Promise<string> {
  return `http://refusedkey0123456789abcdef@127.0.0.1:${await closedPort()}/4242`;
}

export type Fault = 'up' | 'down' | 'hanging' | 'slow' | '429' | '500';

export const FAULTS: Record<Exclude<Fault, 'up' | 'down'>, SinkOptions> = {
  hanging: { hang: true },
  slow: { delayMs: 5000 },
  '429': { status: 429, retryAfter: 60 },
  '500': { status: 500 },
};

/** A sink for the fault, or undefined for `down` (use refusedDsn()). */
export async function sinkFor(fault: Fault): Promise<Sink | undefined> {
  if (fault === 'down') return undefined;
  return startSink(fault === 'up' ? {} : FAULTS[fault]);
}

/** Sends `count` requests one after the other (after `warmup` unmeasured ones) and returns their latencies in ms. */
export async function measure(proc: Proc, count: number, warmup = 100): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const path = i % 4 === 3 ? `/error/${i}` : `/work/${i}`;
    const started = performance.now();
    await proc.request('POST', path, JSON_BODY);
    if (i >= warmup) out.push(performance.now() - started);
  }
  return out;
}

export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export const warningLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('[sentry-register] warning'));

/** Figures every scenario reports, collected for docs/reliability.md. */
export const figures: Array<{ scenario: string; bound: string; measured: string }> = [];
