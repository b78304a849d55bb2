/**
 * Rewrites docs/performance.md and the chart (SVG, and PNG where ImageMagick is installed) from the last full
 * run (bench/results/latest.json), without measuring again.
 *
 *   npm run bench:publish
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartSvg } from './chart.js';
import { markdownTable, performanceDoc } from './report.js';
import type { Meta } from './report.js';
import type { Row } from './run.js';
import type { ScrubReport } from './scrub.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { meta, rows, scrub } = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as {
  meta: Meta & { quick: boolean };
  rows: Row[];
  /** Absent from runs made before the masking benchmark. */
  scrub?: ScrubReport;
};
if (meta.quick) throw new Error('bench/results/latest.json is from a --quick run; publish a full run');
writeFileSync(
  join(ROOT, 'docs', 'performance.md'),
  performanceDoc(rows, markdownTable(rows, ['GET /work', 'POST /work', 'GET /readiness']), meta, scrub),
);
const svg = join(ROOT, 'docs', 'performance.svg');
writeFileSync(svg, chartSvg(rows, ['GET /work', 'POST /work', 'GET /readiness'], meta));
try {
  // A PNG as well where ImageMagick is installed (it is not on a bare machine of this project's kind).
  execFileSync('convert', [svg, svg.replace(/\.svg$/, '.png')], { stdio: 'ignore' });
  console.log('docs/performance.{md,svg,png} written');
} catch {
  console.log('docs/performance.{md,svg} written (no PNG: ImageMagick is not installed)');
}
