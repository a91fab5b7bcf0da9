import { mad, median, robustBaseline, twoProportionZ } from '../../../lib/alerts/stats';

describe('two-proportion z-test', () => {
  test('matches the textbook value for 10% of 1000 vs 5% of 1000', () => {
    // pooled p = 0.075, se = sqrt(0.075 * 0.925 * 2/1000) = 0.011779
    expect(twoProportionZ(100, 1000, 50, 1000)).toBeCloseTo(-4.245, 3);
  });
  test('is 0 for empty samples or identical degenerate rates', () => {
    expect(twoProportionZ(0, 0, 5, 10)).toBe(0);
    expect(twoProportionZ(0, 10, 0, 10)).toBe(0);
  });
  test('a small sample does not reach significance even with a big relative drop', () => {
    expect(Math.abs(twoProportionZ(10, 100, 2, 20))).toBeLessThan(2.58);
  });
});

describe('robust baseline', () => {
  test('median and MAD ignore one outlier', () => {
    const history = [100, 102, 98, 101, 99, 400];
    expect(median(history)).toBe(100.5);
    expect(mad(history)).toBe(1.5);
  });
  test('the robust z of a value far from the median is large, of one near it small', () => {
    const history = [1000, 1100, 900, 1050, 950, 1000];
    expect(robustBaseline(history, 1000).z).toBe(0);
    expect(robustBaseline(history, 400).z).toBeLessThan(-3.5);
  });
  test('a flat history does not divide by zero (scale floored at 1% of the median)', () => {
    const b = robustBaseline([1000, 1000, 1000, 1000], 990);
    expect(b.scale).toBe(10);
    expect(b.z).toBe(-1);
  });
});
