/**
 * The text `npm run test:frameworks` prints: per mode what ran and how long
 * it took, then every test that changed result, grouped by file, then what
 * is not blamed on the preload (flaky, failing in both runs, allowed).
 */
import { fileOutcome, WHOLE_FILE } from './compare.js';
import type { Comparison, Difference, FileRun } from './compare.js';

export interface ModeSummary {
  readonly label: string;
  readonly runs: readonly FileRun[];
  readonly seconds: number;
}

export function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

function counts(runs: readonly FileRun[]): string {
  const tally = { pass: 0, fail: 0, skip: 0, todo: 0 };
  for (const run of runs) for (const [key, t] of run.tests) if (!t.suite && key !== WHOLE_FILE) tally[t.status]++;
  const noTests = runs.filter((r) => fileOutcome(r) !== 'ran').length;
  return (
    `${tally.pass} passed, ${tally.fail} failed, ${tally.skip} skipped, ${tally.todo} todo` +
    (noTests ? `; ${noTests} file(s) reported no test` : '')
  );
}

/** The failure's first lines on one line: an assertion's first line alone ("Expected values to be strictly equal:") says little. */
const summary = (error: string): string => {
  const text = error.split('\n').slice(0, 4).join(' / ');
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
};

function byFile(list: readonly Difference[], line: (d: Difference) => string): string[] {
  const files = [...new Set(list.map((d) => d.file))];
  return files.flatMap((file) => [`  ${file}`, ...list.filter((d) => d.file === file).map((d) => `    - ${line(d)}`)]);
}

const change = (d: Difference): string => `${d.test}: ${d.plain} -> ${d.preloaded}${d.error ? `\n        ${summary(d.error)}` : ''}`;

export function formatReport(modes: readonly ModeSummary[], c: Comparison, preloadMismatches: readonly string[]): string {
  const lines: string[] = [];
  for (const m of modes) lines.push(`${m.label}: ${m.runs.length} files in ${formatSeconds(m.seconds)}: ${counts(m.runs)}`);
  lines.push(`compared ${c.compared} tests`);
  lines.push('');
  const files = new Set(c.differences.map((d) => d.file)).size;
  lines.push(`Tests that change result under the preload: ${c.differences.length}${files ? ` in ${files} file(s)` : ''}`);
  lines.push(...byFile(c.differences, change));
  lines.push(`Files that behave differently under the preload: ${c.fileDifferences.length}`);
  lines.push(...c.fileDifferences.map((f) => `  ${f.file}: plain ${f.plain}, preloaded ${f.preloaded}`));
  if (preloadMismatches.length) {
    lines.push(`Files where the preload did not load as the mode says: ${preloadMismatches.length}`);
    lines.push(...preloadMismatches.map((f) => `  ${f}`));
  }
  lines.push('');
  lines.push(`Allowed differences: ${c.allowed.length}`);
  lines.push(...byFile(c.allowed, (d) => `${d.test}: ${d.plain} -> ${d.preloaded} (${d.allowed ?? ''})`));
  if (c.stale.length) {
    lines.push(`Allow-list entries that no longer differ (remove them): ${c.stale.length}`);
    lines.push(...c.stale.map((e) => `  ${e.file}: ${e.test}`));
  }
  lines.push(`Flaky, not blamed on the preload (failed in a plain run, or did not differ again): ${c.flaky.length + c.flakyFiles.length}`);
  lines.push(...byFile(c.flaky, change));
  lines.push(...c.flakyFiles.map((f) => `  ${f.file}: plain ${f.plain}, preloaded ${f.preloaded} (not again on the second run)`));
  lines.push(`Failing in both runs (no difference): ${c.failingBoth.length}`);
  lines.push(...c.failingBoth.map((t) => `  ${t.file}: ${t.test}`));
  return lines.join('\n');
}
