// Creative fatigue: a creative's CTR falls well below its own peak while it keeps being shown. A pure
// function over the creative's daily series, thresholds as parameters; the reasoning behind each default
// is in docs/creatives.md ("Fatigue thresholds").
//
// For each day d (calendar days; missing days count as zero impressions):
//   window(d)   = the `windowDays` days ending on d; rolling CTR = its clicks / its impressions
//   qualifies   = a full window (windowDays days since the first impression) with
//                 >= minWindowImpressions impressions                  (volume guard)
//   peak(d)     = the qualifying window ending on or before d with the highest rolling CTR
//   holds(d)    = window(d) qualifies, the creative has >= minCumulativeImpressions up to d, impressions
//                 are still rising (window(d) has impressions: the creative is being served), the rolling
//                 CTR is at least dropShare below peak(d), and the drop is unlikely to be noise: a
//                 two-proportion z-test of the peak window against window(d) gives z >= minZ
// The creative is fatigued on d when holds() has been true for `confirmDays` days in a row ending on d;
// `fatiguedSince` is the first such day (the detection day) of the current run.
import { dayNumber, type DailyCreativePoint } from './decay';

export type FatigueParams = {
  windowDays: number;
  dropShare: number;
  minWindowImpressions: number;
  minCumulativeImpressions: number;
  minZ: number;
  confirmDays: number;
};

export const DEFAULT_FATIGUE_PARAMS: FatigueParams = {
  windowDays: 3,
  dropShare: 0.3,
  minWindowImpressions: 3000,
  minCumulativeImpressions: 10_000,
  minZ: 3,
  confirmDays: 2,
};

export type FatigueDay = {
  day: string;
  windowImpressions: number;
  windowClicks: number;
  rollingCtr: number | null;
  cumulativeImpressions: number;
  peakCtr: number | null;
  peakDay: string | null;
  dropShare: number | null;
  z: number | null;
  holds: boolean;
  fatigued: boolean;
};

export type FatigueStatus = {
  status: 'fatigued' | 'healthy' | 'insufficient_data';
  /** The detection day of the current fatigued run. */
  fatiguedSince: string | null;
  /** The first day the creative was ever detected fatigued in the series (even if it recovered since). */
  firstDetectedOn: string | null;
  asOf: string | null;
  peakCtr: number | null;
  peakDay: string | null;
  currentCtr: number | null;
  dropShare: number | null;
  cumulativeImpressions: number;
  reason: string;
  days: FatigueDay[];
};

export function validateFatigueParams(p: FatigueParams): FatigueParams {
  const problems: string[] = [];
  if (!Number.isInteger(p.windowDays) || p.windowDays < 1) problems.push('windowDays must be an integer >= 1');
  if (!(p.dropShare > 0 && p.dropShare < 1)) problems.push('dropShare must be between 0 and 1 (exclusive)');
  if (!(p.minWindowImpressions >= 1)) problems.push('minWindowImpressions must be >= 1');
  if (!(p.minCumulativeImpressions >= 0)) problems.push('minCumulativeImpressions must be >= 0');
  if (!(p.minZ >= 0)) problems.push('minZ must be >= 0');
  if (!Number.isInteger(p.confirmDays) || p.confirmDays < 1) problems.push('confirmDays must be an integer >= 1');
  if (problems.length > 0) throw new RangeError(`invalid fatigue parameters: ${problems.join('; ')}`);
  return p;
}

/** z of "the CTR of a (n1, x1) is higher than that of b (n2, x2)", pooled two-proportion test. */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (se === 0) return null;
  return (x1 / n1 - x2 / n2) / se;
}

const dayString = (n: number): string => new Date(n * 86_400_000).toISOString().slice(0, 10);

/** Fills the gaps of a series with zero days, sorted, summing duplicates of a day. */
export function denseSeries(series: DailyCreativePoint[]): DailyCreativePoint[] {
  if (series.length === 0) return [];
  const byDay = new Map<number, DailyCreativePoint>();
  for (const p of series) {
    const n = dayNumber(p.day);
    const seen = byDay.get(n);
    byDay.set(n, { day: dayString(n), impressions: (seen?.impressions ?? 0) + p.impressions, clicks: (seen?.clicks ?? 0) + p.clicks });
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const first = days[0] ?? 0;
  const last = days[days.length - 1] ?? 0;
  const out: DailyCreativePoint[] = [];
  for (let n = first; n <= last; n++) out.push(byDay.get(n) ?? { day: dayString(n), impressions: 0, clicks: 0 });
  return out;
}

export function evaluateFatigue(series: DailyCreativePoint[], params: FatigueParams = DEFAULT_FATIGUE_PARAMS): FatigueStatus {
  validateFatigueParams(params);
  const dense = denseSeries(series);
  const days: FatigueDay[] = [];
  let cumulative = 0;
  let peak: { ctr: number; day: string; clicks: number; impressions: number } | null = null;
  let run = 0;
  let runStart: string | null = null;
  let firstDetectedOn: string | null = null;
  for (let i = 0; i < dense.length; i++) {
    const point = dense[i]!;
    cumulative += point.impressions;
    let windowImpressions = 0;
    let windowClicks = 0;
    for (let j = Math.max(0, i - params.windowDays + 1); j <= i; j++) {
      windowImpressions += dense[j]!.impressions;
      windowClicks += dense[j]!.clicks;
    }
    const rollingCtr = windowImpressions > 0 ? windowClicks / windowImpressions : null;
    // Only full windows: the first days of a creative, with fewer than windowDays days behind them, never set the peak.
    const qualifies = i >= params.windowDays - 1 && windowImpressions >= params.minWindowImpressions && rollingCtr !== null;
    if (qualifies && (peak === null || rollingCtr > peak.ctr)) peak = { ctr: rollingCtr, day: point.day, clicks: windowClicks, impressions: windowImpressions };
    const drop = peak && rollingCtr !== null && peak.ctr > 0 ? 1 - rollingCtr / peak.ctr : null;
    const z = peak && qualifies ? twoProportionZ(peak.clicks, peak.impressions, windowClicks, windowImpressions) : null;
    const holds =
      qualifies &&
      point.impressions > 0 &&
      cumulative >= params.minCumulativeImpressions &&
      drop !== null &&
      drop >= params.dropShare &&
      z !== null &&
      z >= params.minZ;
    if (holds) {
      run += 1;
      if (run === params.confirmDays) runStart = point.day;
    } else {
      run = 0;
      runStart = null;
    }
    const fatigued = run >= params.confirmDays;
    if (fatigued && firstDetectedOn === null) firstDetectedOn = point.day;
    days.push({ day: point.day, windowImpressions, windowClicks, rollingCtr, cumulativeImpressions: cumulative, peakCtr: peak?.ctr ?? null, peakDay: peak?.day ?? null, dropShare: drop, z, holds, fatigued });
  }
  const last = days[days.length - 1];
  const base = {
    firstDetectedOn,
    asOf: last?.day ?? null,
    peakCtr: peak?.ctr ?? null,
    peakDay: peak?.day ?? null,
    currentCtr: last?.rollingCtr ?? null,
    dropShare: last?.dropShare ?? null,
    cumulativeImpressions: cumulative,
    days,
  };
  if (!last || peak === null) {
    return { ...base, status: 'insufficient_data', fatiguedSince: null, reason: `no ${params.windowDays}-day window with ${params.minWindowImpressions} impressions yet` };
  }
  if (last.fatigued) {
    return {
      ...base,
      status: 'fatigued',
      fatiguedSince: runStart,
      reason: `rolling ${params.windowDays}-day CTR ${pct(last.rollingCtr)} is ${pct(last.dropShare)} below its peak ${pct(peak.ctr)} (${peak.day}) for ${run} days while still served (${cumulative} impressions)`,
    };
  }
  if (cumulative < params.minCumulativeImpressions) {
    return { ...base, status: 'insufficient_data', fatiguedSince: null, reason: `${cumulative} impressions so far, fewer than ${params.minCumulativeImpressions}` };
  }
  return { ...base, status: 'healthy', fatiguedSince: null, reason: `rolling CTR ${pct(last.rollingCtr)} vs peak ${pct(peak.ctr)} (${peak.day})` };
}

function pct(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(2)} %`;
}
