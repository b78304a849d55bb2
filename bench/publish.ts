/**
 * Rewrites docs/performance.md and docs/performance.svg from the last full
 * run (bench/results/latest.json), without measuring again.
 *
 *   npm run bench:publish
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, performanceDoc } from './report.js';
import type { Meta } from './report.js';
import type { Row } from './run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { meta, rows } = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as {
  meta: Meta & { quick: boolean };
  rows: Row[];
};
if (meta.quick) throw new Error('bench/results/latest.json is from a --quick run; publish a full run');
writeFileSync(
  join(ROOT, 'docs', 'performance.md'),
  performanceDoc(rows, markdownTable(rows, ['GET /work', 'POST /work', 'GET /readiness']), meta),
);
copyFileSync(join(ROOT, 'bench', 'results', 'latest.svg'), join(ROOT, 'docs', 'performance.svg'));
console.log('docs/performance.md and docs/performance.svg written');
