/** The order statistics the benchmarks report: medians, and the spread around them. */

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between the closest ranks; NaN for no samples. */
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = s[Math.floor(at)] ?? NaN;
  const hi = s[Math.ceil(at)] ?? NaN;
  return lo + (hi - lo) * (at - Math.floor(at));
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export interface Spread {
  readonly n: number;
  readonly min: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly max: number;
}

export function spread(xs: readonly number[]): Spread {
  return {
    n: xs.length,
    min: quantile(xs, 0),
    p25: quantile(xs, 0.25),
    median: quantile(xs, 0.5),
    p75: quantile(xs, 0.75),
    max: quantile(xs, 1),
  };
}

/** `xs` in a rotating order: round `r` starts at index `r mod n`, so no item is always first (or always after the same one). */
export function rotated<T>(xs: readonly T[], round: number): T[] {
  const shift = xs.length === 0 ? 0 : round % xs.length;
  return [...xs.slice(shift), ...xs.slice(0, shift)];
}
