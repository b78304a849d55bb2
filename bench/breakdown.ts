/**
 * The startup breakdown: where the preload's startup goes. Each piece (bench/probe.ts)
 * is timed from inside a fresh process of its own, the pieces in a rotating
 * order, round after round, so machine noise falls on all of them alike; the
 * figures are medians.
 *
 * It stays meaningful when our runtime is a bundle: the DSN wiring is found by
 * following the preload's own imports from the package's entry (not by a path
 * into src/), so the pieces that use it load what the preload loads. "Sentry"
 * and "OTel" are always the packages as installed in node_modules; whether the
 * wiring imports them from there, or carries its own copy, is read from the
 * wiring and reported, since it changes what "our code on the DSN path" holds.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PIECES } from './probe.js';
import { rotated, spread } from './stats.js';
import type { Spread } from './stats.js';
import { childEnv, ROOT, stop, waitForLine } from './variants.js';

export interface PieceResult {
  readonly id: string;
  readonly label: string;
  readonly what: string;
  readonly ms: Spread;
  readonly rssMb: Spread;
}

export interface BreakdownReport {
  readonly rounds: number;
  /** The preload's entry and its DSN wiring, relative to the package root; no wiring when it is not a module of its own. */
  readonly entry: string;
  readonly wiring?: string;
  /** Whether the wiring imports these from node_modules (false: it carries its own copy, as a bundle does). */
  readonly sentryFromNodeModules?: boolean;
  readonly otelFromNodeModules?: boolean;
  readonly pieces: readonly PieceResult[];
}

const STATIC_IMPORT = /\b(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

/** The files reached from `file` through static relative imports, with the relative dynamic imports they make. */
function staticGraph(file: string): { files: Set<string>; dynamic: Set<string> } {
  const files = new Set<string>();
  const dynamic = new Set<string>();
  const queue = [file];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (files.has(next) || !existsSync(next)) continue;
    files.add(next);
    const text = readFileSync(next, 'utf8');
    for (const m of text.matchAll(STATIC_IMPORT)) queue.push(resolve(dirname(next), m[1] ?? ''));
    for (const m of text.matchAll(DYNAMIC_IMPORT)) dynamic.add(resolve(dirname(next), m[1] ?? ''));
  }
  return { files, dynamic };
}

/**
 * The module the preload imports only with a DSN: the relative dynamic
 * `import()` reached from the package's entry through its static relative
 * imports (today dist/src/preload/start.js → `import('../sdk/sdk.js')`; a bundle split at
 * that import keeps a chunk there). Read from the emitted JavaScript, so it is
 * the file that runs, bundled or not. Undefined when there is none, as in a
 * bundle that inlines that import; more than one is an error, as the pieces
 * would then be ambiguous.
 */
function locateWiring(): { entry: string; wiring?: string } {
  const entry = fileURLToPath(import.meta.resolve('@org/sentry-register'));
  const { files, dynamic } = staticGraph(entry);
  const found = [...dynamic].filter((f) => !files.has(f));
  if (found.length > 1)
    throw new Error(
      `the preload's entry reaches more than one dynamic import (${found.join(', ')}); say in bench/breakdown.ts which is the DSN wiring`,
    );
  return { entry, ...(found[0] === undefined ? {} : { wiring: found[0] }) };
}

/** Whether the wiring (or a module of ours it imports) imports a package by name (true), or holds its own copy of it (false). */
function importsPackage(wiring: string, name: string): boolean {
  const escaped = name.replace(/[/.]/g, '\\$&');
  const pattern = new RegExp(`\\b(?:from|import|require)\\s*\\(?\\s*["']${escaped}["']`);
  return [...staticGraph(wiring).files].some((file) => pattern.test(readFileSync(file, 'utf8')));
}

async function probe(id: string, wiring: string | undefined, sinkDsn: string): Promise<{ ms: number; rssMb: number }> {
  const piece = PIECES.find((p) => p.id === id);
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'bench', 'probe.js'), id], {
    cwd: ROOT,
    env: childEnv({
      ...(wiring ? { PROBE_DSN_MODULE: pathToFileURL(wiring).href } : {}),
      ...(piece?.dsn ? { SENTRY_DSN: sinkDsn } : {}),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await waitForLine(child, /^probe (\{.*\})$/m, `probe ${id}`);
    return JSON.parse(line[1] ?? '') as { ms: number; rssMb: number };
  } finally {
    // A piece that started the SDK would flush and wait on its exporters; nothing of that is measured.
    await stop(child);
  }
}

/** `rounds` rounds, each piece once per round in a rotating order, each in a fresh process. */
export async function measureBreakdown(rounds: number, sinkDsn: string): Promise<BreakdownReport> {
  const { entry, wiring } = locateWiring();
  const pieces = PIECES.filter((p) => !p.wiring || wiring);
  const samples = new Map<string, { ms: number; rssMb: number }[]>(pieces.map((p) => [p.id, []]));
  for (let round = 0; round < rounds; round++)
    for (const piece of rotated(pieces, round)) samples.get(piece.id)?.push(await probe(piece.id, wiring, sinkDsn));
  return {
    rounds,
    entry: relative(ROOT, entry),
    ...(wiring
      ? {
          wiring: relative(ROOT, wiring),
          sentryFromNodeModules: importsPackage(wiring, '@sentry/node'),
          otelFromNodeModules: importsPackage(wiring, '@opentelemetry/sdk-node'),
        }
      : {}),
    pieces: pieces.map((p) => {
      const xs = samples.get(p.id) ?? [];
      return { id: p.id, label: p.label, what: p.what, ms: spread(xs.map((x) => x.ms)), rssMb: spread(xs.map((x) => x.rssMb)) };
    }),
  };
}
