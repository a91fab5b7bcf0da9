// Performance decay of a creative: CTR by days since its first impression, and the least-squares slope
// of that line (CTR change per day; negative = decaying). docs/creatives.md.
export type DailyCreativePoint = { day: string; impressions: number; clicks: number };

/** Ordinary least squares slope and intercept of y on x; null with fewer than two distinct x. */
export function leastSquares(points: Array<{ x: number; y: number }>): { slope: number; intercept: number } | null {
  const n = points.length;
  if (n < 2) return null;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - meanX) ** 2;
    sxy += (p.x - meanX) * (p.y - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

export function dayNumber(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
}

/**
 * CTR of each day with at least `minDailyImpressions` impressions, by days since `firstDay` (the first
 * impression), and the slope of CTR over those days. Days below the volume guard are left out: a day of
 * 12 impressions and 1 click (8 % CTR) would swing the line more than it tells.
 */
export function ctrDecay(series: DailyCreativePoint[], firstDay: string, minDailyImpressions = 100) {
  const first = dayNumber(firstDay);
  const points = series
    .filter((p) => p.impressions >= minDailyImpressions && p.impressions > 0)
    .map((p) => ({ daysSinceFirst: dayNumber(p.day) - first, ctr: p.clicks / p.impressions }));
  const fit = leastSquares(points.map((p) => ({ x: p.daysSinceFirst, y: p.ctr })));
  return { points, slope: fit?.slope ?? null, intercept: fit?.intercept ?? null };
}
