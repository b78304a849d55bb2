/**
 * Rewrites docs/performance.md and the chart (SVG, and PNG where ImageMagick is
 * installed) from the last full runs on Node 20 and Node 24
 * (bench/results/latest-node20.json and latest-node24.json), without measuring again.
 *
 *   npm run bench && npm run bench -- --node 24 && npm run bench:publish
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartSvg } from './chart.js';
import { NODE_MAJOR } from './cli.js';
import { performanceDoc, ROUTES } from './report.js';
import type { Results } from './report.js';
import { ROOT } from './variants.js';

/** The Node lines docs/performance.md reports, CI's first. */
const PUBLISHED = ['20', '24'] as const;

const runs: Results[] = PUBLISHED.map((major) => {
  const file = join(ROOT, 'bench', 'results', `latest-node${major}.json`);
  const command = major === NODE_MAJOR ? 'npm run bench' : `npm run bench -- --node ${major}`;
  if (!existsSync(file)) throw new Error(`no ${file}: run \`${command}\` first`);
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  if (results.meta.quick) throw new Error(`${file} is from a --quick run; publish a full run (\`${command}\`)`);
  return results;
});

writeFileSync(join(ROOT, 'docs', 'performance.md'), performanceDoc(runs));
const svg = join(ROOT, 'docs', 'performance.svg');
// One chart: a group per Node, workload and route.
const rows = runs.flatMap((r, i) => r.rows.map((row) => ({ ...row, workload: `Node ${PUBLISHED[i]} ${row.workload}` })));
const first = runs[0]?.meta;
if (first) writeFileSync(svg, chartSvg(rows, ROUTES, { ...first, node: runs.map((r) => r.meta.node).join(' and ') }));
try {
  // A PNG as well where ImageMagick is installed (it is not on a bare machine of this project's kind).
  execFileSync('convert', [svg, svg.replace(/\.svg$/, '.png')], { stdio: 'ignore' });
  console.log('docs/performance.{md,svg,png} written');
} catch {
  console.log('docs/performance.{md,svg} written (no PNG: ImageMagick is not installed)');
}
