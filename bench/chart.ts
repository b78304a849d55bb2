/**
 * A plain SVG bar chart of throughput relative to bare node: one group per
 * workload and route, one bar per variant, a line at 100%.
 */
interface ChartRow {
  readonly workload: string;
  readonly variant: string;
  readonly routes: Record<string, { readonly ratio: number }>;
}

const COLORS = ['#9e9e9e', '#90caf9', '#1565c0', '#ef6c00', '#6a1b9a', '#2e7d32'];
const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function chartSvg(
  rows: readonly ChartRow[],
  routes: readonly string[],
  meta: { node: string; runs: number; rounds: number; date: string },
): string {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const bar = 14;
  const gap = 18;
  const left = 190;
  const width = 900;
  const plot = width - left - 60;
  const groupHeight = variants.length * bar + gap;
  const top = 80;
  const legendHeight = variants.length * 18 + 20;
  const groups = workloads.flatMap((w) => routes.map((r) => ({ w, r })));
  const height = top + groups.length * groupHeight + legendHeight + 30;
  const max = 1.2;
  const x = (ratio: number): number => left + (Math.min(ratio, max) / max) * plot;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="bold">Throughput as a share of bare node (higher is better)</text>`,
    `<text x="${left}" y="42" fill="#555">median of ${meta.runs} run(s) × ${meta.rounds} rounds, per-round ratio to bare, Node ${escape(meta.node)}, ${escape(meta.date.slice(0, 10))}</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(
      `<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + groups.length * groupHeight}" stroke="${tick === 1 ? '#333' : '#ddd'}"/>`,
    );
    out.push(`<text x="${x(tick)}" y="${top - 10}" text-anchor="middle" fill="#555">${tick * 100}%</text>`);
  }
  groups.forEach(({ w, r }, g) => {
    const y0 = top + g * groupHeight;
    out.push(
      `<text x="${left - 8}" y="${y0 + (variants.length * bar) / 2 + 4}" text-anchor="end" font-weight="bold">${escape(`${w}: ${r}`)}</text>`,
    );
    variants.forEach((v, i) => {
      const ratio = rows.find((row) => row.workload === w && row.variant === v)?.routes[r]?.ratio ?? 0;
      const y = y0 + i * bar;
      out.push(
        `<rect x="${left}" y="${y}" width="${Math.max(0, x(ratio) - left)}" height="${bar - 2}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
      out.push(`<text x="${x(ratio) + 4}" y="${y + bar - 4}" fill="#333">${(ratio * 100).toFixed(0)}%</text>`);
    });
  });
  const ly = top + groups.length * groupHeight + 20;
  variants.forEach((v, i) => {
    out.push(`<rect x="${left}" y="${ly + i * 18}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${left + 18}" y="${ly + i * 18 + 10}">${escape(v)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
