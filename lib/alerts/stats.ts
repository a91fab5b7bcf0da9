// The statistics behind the rule guards, small and pure.

/**
 * Two-proportion z-test (pooled): z for p2 - p1 where p1 = x1/n1 (baseline) and p2 = x2/n2 (current).
 * Negative z: the current proportion is lower. 0 when either sample is empty or the pooled rate is 0 or 1.
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 0;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return 0;
  return (x2 / n2 - x1 / n1) / se;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** 1.4826 · MAD estimates the standard deviation of normal data; robust to a few outliers in the history. */
export const MAD_TO_SIGMA = 1.4826;

/**
 * Robust baseline of a history: median and scale (1.4826 · MAD, floored at 1 % of the median and at 1 so a
 * perfectly flat history does not turn every cent into an infinite z), and the robust z of `value`.
 */
export function robustBaseline(history: readonly number[], value: number): { median: number; mad: number; scale: number; z: number } {
  const m = median(history);
  const d = mad(history);
  const scale = Math.max(MAD_TO_SIGMA * d, Math.abs(m) * 0.01, 1);
  return { median: m, mad: d, scale, z: (value - m) / scale };
}
