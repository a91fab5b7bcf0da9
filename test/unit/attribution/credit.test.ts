import { distribute, positionWeights, timeDecayWeights, TIME_DECAY_HALF_LIFE_MS } from '../../../lib/attribution/credit';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('distribute', () => {
  test('splits evenly when it can', () => {
    expect(distribute(900, [1, 1, 1])).toEqual([300, 300, 300]);
  });

  test('gives the left-over cents to the largest remainders, ties to the earlier touch', () => {
    expect(distribute(1000, [1, 1, 1])).toEqual([334, 333, 333]);
    expect(distribute(1001, [1, 1, 1])).toEqual([334, 334, 333]);
    expect(distribute(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(distribute(10, [1, 2])).toEqual([3, 7]); // 3.33 / 6.67: the larger remainder (0.67) gets the cent
  });

  test('zero revenue, zero weights and no touches give zeros', () => {
    expect(distribute(0, [1, 2, 3])).toEqual([0, 0, 0]);
    expect(distribute(500, [0, 0])).toEqual([0, 0]);
    expect(distribute(500, [])).toEqual([]);
  });

  test('a zero weight gets nothing, even of the remainder', () => {
    expect(distribute(101, [1, 0, 1])).toEqual([51, 0, 50]);
  });

  test('sums exactly for many random splits, including large amounts', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 2000; k++) {
      const total = Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 12)));
      const weights = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 1_000_000));
      const parts = distribute(total, weights);
      expect(parts).toHaveLength(weights.length);
      if (sum(weights) > 0) expect(sum(parts)).toBe(total);
      for (const p of parts) expect(Number.isInteger(p) && p >= 0).toBe(true);
    }
  });

  test('is deterministic', () => {
    expect(distribute(99_999, [3, 7, 11, 13])).toEqual(distribute(99_999, [3, 7, 11, 13]));
  });

  test('refuses fractions and negatives (money is integer minor units)', () => {
    expect(() => distribute(10.5, [1])).toThrow(RangeError);
    expect(() => distribute(-1, [1])).toThrow(RangeError);
    expect(() => distribute(10, [-1, 2])).toThrow(RangeError);
  });
});

describe('position-based weights', () => {
  test('1 touch 100 %, 2 touches 50/50, more: 40 % / 20 % shared / 40 %', () => {
    expect(positionWeights(0)).toEqual([]);
    expect(distribute(1000, positionWeights(1))).toEqual([1000]);
    expect(distribute(1000, positionWeights(2))).toEqual([500, 500]);
    expect(distribute(1000, positionWeights(3))).toEqual([400, 200, 400]);
    expect(distribute(1000, positionWeights(4))).toEqual([400, 100, 100, 400]);
    expect(distribute(1000, positionWeights(5))).toEqual([400, 67, 67, 66, 400]);
  });
});

describe('time-decay weights', () => {
  test('halve every 7 days before the purchase', () => {
    const [now, week, twoWeeks] = timeDecayWeights([0, TIME_DECAY_HALF_LIFE_MS, 2 * TIME_DECAY_HALF_LIFE_MS]);
    expect(now).toBe(1_000_000);
    expect(week).toBe(500_000);
    expect(twoWeeks).toBe(250_000);
    expect(distribute(700, timeDecayWeights([2 * TIME_DECAY_HALF_LIFE_MS, TIME_DECAY_HALF_LIFE_MS, 0]))).toEqual([100, 200, 400]);
  });

  test('every touch keeps a non-zero weight', () => {
    expect(timeDecayWeights([100 * TIME_DECAY_HALF_LIFE_MS])).toEqual([1]);
  });
});
