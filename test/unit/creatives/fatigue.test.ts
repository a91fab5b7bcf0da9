import { ctrDecay, leastSquares } from '../../../lib/creatives/decay';
import { DEFAULT_FATIGUE_PARAMS, denseSeries, evaluateFatigue, twoProportionZ, validateFatigueParams } from '../../../lib/creatives/fatigue';

const day = (i: number): string => new Date(Date.UTC(2024, 2, 1 + i)).toISOString().slice(0, 10);
/** A series of daily impressions and CTRs (one per day from 2024-03-01). */
const series = (impressions: number | number[], ctrs: number[]) =>
  ctrs.map((ctr, i) => {
    const n = Array.isArray(impressions) ? (impressions[i] ?? 0) : impressions;
    return { day: day(i), impressions: n, clicks: Math.round(n * ctr) };
  });

describe('least squares and decay', () => {
  it('fits an exact line', () => {
    expect(leastSquares([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toEqual({ slope: 2, intercept: 1 });
  });

  it('has no fit for one point or one distinct x', () => {
    expect(leastSquares([{ x: 1, y: 1 }])).toBeNull();
    expect(leastSquares([{ x: 1, y: 1 }, { x: 1, y: 2 }])).toBeNull();
  });

  it('gives CTR by days since first impression and its slope, leaving out low-volume days', () => {
    const decay = ctrDecay([...series(1000, [0.03, 0.025, 0.02]), { day: day(3), impressions: 10, clicks: 5 }], day(0));
    expect(decay.points).toEqual([
      { daysSinceFirst: 0, ctr: 0.03 },
      { daysSinceFirst: 1, ctr: 0.025 },
      { daysSinceFirst: 2, ctr: 0.02 },
    ]);
    expect(decay.slope).toBeCloseTo(-0.005, 10);
  });
});

describe('fatigue detection', () => {
  const fatiguing = series(5000, [0.02, 0.021, 0.02, 0.02, 0.016, 0.014, 0.012, 0.011, 0.01, 0.01]);
  const stable = series(5000, [0.02, 0.021, 0.019, 0.02, 0.02, 0.0195, 0.0205, 0.02, 0.019, 0.02]);

  it('detects a creative whose CTR falls 30 % below its own peak on the second confirming day', () => {
    const status = evaluateFatigue(fatiguing);
    // rolling 3-day CTR: peak 2.033 % (03-03, the first full window); 03-06 is 1.667 % (−18 %), 03-07 1.400 %
    // (−31 %, z = 4.2) and 03-08 1.233 % (−39 %): the rule holds from 03-07, confirmed on 03-08
    const d7 = status.days.find((d) => d.day === day(6))!;
    expect(d7.holds).toBe(true);
    expect(d7.fatigued).toBe(false);
    expect(status.days.find((d) => d.day === day(5))!.holds).toBe(false);
    expect(status).toMatchObject({ status: 'fatigued', fatiguedSince: day(7), firstDetectedOn: day(7), peakDay: day(2), asOf: day(9) });
    expect(status.peakCtr).toBeCloseTo(0.061 / 3, 6);
    expect(status.dropShare).toBeGreaterThan(0.45);
  });

  it('does not flag a stable creative', () => {
    const status = evaluateFatigue(stable);
    expect(status.status).toBe('healthy');
    expect(status.days.some((d) => d.holds)).toBe(false);
  });

  it('does not flag a drop on too little volume (noise guard)', () => {
    const small = series(300, [0.02, 0.021, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]);
    expect(evaluateFatigue(small).status).toBe('insufficient_data');
    // Enough volume per window but a drop that a two-proportion test cannot tell from noise
    const noisy = series(1200, [0.02, 0.021, 0.02, 0.02, 0.013, 0.013, 0.013, 0.013]);
    const status = evaluateFatigue(noisy, { ...DEFAULT_FATIGUE_PARAMS, minWindowImpressions: 1000, minCumulativeImpressions: 1000 });
    expect(status.days.filter((d) => (d.dropShare ?? 0) >= 0.3).length).toBeGreaterThan(0);
    expect(status.status).toBe('healthy');
  });

  it('needs the drop on consecutive days: one bad day is not fatigue', () => {
    const blip = series(5000, [0.02, 0.02, 0.02, 0.02, 0.02, 0.005, 0.02, 0.02, 0.02, 0.02]);
    const status = evaluateFatigue(blip, { ...DEFAULT_FATIGUE_PARAMS, windowDays: 1 });
    expect(status.days.filter((d) => d.holds).map((d) => d.day)).toEqual([day(5)]);
    expect(status.firstDetectedOn).toBeNull();
  });

  it('only while the creative is still served: a paused creative is not newly fatigued', () => {
    const paused = series([5000, 5000, 5000, 5000, 0, 0, 0], [0.02, 0.02, 0.02, 0.02, 0, 0, 0]);
    expect(evaluateFatigue(paused).days.some((d) => d.holds)).toBe(false);
  });

  it('recovers to healthy when CTR comes back, remembering the first detection', () => {
    const recovering = [...fatiguing, ...series(5000, [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02]).map((p, i) => ({ ...p, day: day(10 + i) }))];
    const status = evaluateFatigue(recovering);
    expect(status).toMatchObject({ status: 'healthy', fatiguedSince: null, firstDetectedOn: day(7) });
  });

  it('takes its thresholds as parameters', () => {
    expect(evaluateFatigue(fatiguing, { ...DEFAULT_FATIGUE_PARAMS, dropShare: 0.6 }).status).toBe('healthy');
    expect(evaluateFatigue(fatiguing, { ...DEFAULT_FATIGUE_PARAMS, confirmDays: 1 }).fatiguedSince).toBe(day(6));
    expect(() => validateFatigueParams({ ...DEFAULT_FATIGUE_PARAMS, dropShare: 1.5 })).toThrow(/dropShare/);
    expect(() => validateFatigueParams({ ...DEFAULT_FATIGUE_PARAMS, windowDays: 0 })).toThrow(/windowDays/);
  });

  it('treats missing days as days without impressions and sums duplicate days', () => {
    expect(denseSeries([{ day: day(0), impressions: 1, clicks: 0 }, { day: day(2), impressions: 2, clicks: 1 }, { day: day(2), impressions: 3, clicks: 0 }])).toEqual([
      { day: day(0), impressions: 1, clicks: 0 },
      { day: day(1), impressions: 0, clicks: 0 },
      { day: day(2), impressions: 5, clicks: 1 },
    ]);
    expect(evaluateFatigue([])).toMatchObject({ status: 'insufficient_data', cumulativeImpressions: 0 });
  });

  it('computes a pooled two-proportion z', () => {
    expect(twoProportionZ(200, 10000, 100, 10000)).toBeCloseTo(5.817, 3);
    expect(twoProportionZ(0, 0, 1, 10)).toBeNull();
  });
});
