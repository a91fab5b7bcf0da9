// The diff one sync sends (lib/audiences/diff.ts): only what changed, removals of those who left the
// segment or withdrew, refreshes before Google lets a membership expire, and the per-job cap.
import { batchesOf, diffAudience, refreshCutoff } from '../../../lib/audiences/diff';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const hex = (c: string): string => c.repeat(64);
const options = { now: NOW, membershipLifeSpanDays: 540, maxPerJob: 100_000 };

test('a first sync adds everyone, removes nobody', () => {
  expect(diffAudience([hex('b'), hex('a')], [], options)).toEqual({ adds: [hex('a'), hex('b')], removes: [], refreshes: 0, deferred: 0 });
});

test('a second sync with nothing new sends nothing', () => {
  const current = [{ emailHash: hex('a'), uploadedAt: NOW - DAY }, { emailHash: hex('b'), uploadedAt: NOW - DAY }];
  expect(diffAudience([hex('a'), hex('b')], current, options)).toEqual({ adds: [], removes: [], refreshes: 0, deferred: 0 });
});

test('one person opted out and another bought: exactly one removal and one addition', () => {
  const current = [{ emailHash: hex('a'), uploadedAt: NOW - DAY }, { emailHash: hex('b'), uploadedAt: NOW - DAY }];
  expect(diffAudience([hex('b'), hex('c')], current, options)).toEqual({ adds: [hex('c')], removes: [hex('a')], refreshes: 0, deferred: 0 });
});

test('an empty desired list (audience disabled) removes every member', () => {
  const current = [{ emailHash: hex('a'), uploadedAt: NOW }, { emailHash: hex('b'), uploadedAt: NOW }];
  expect(diffAudience([], current, options).removes).toEqual([hex('a'), hex('b')]);
});

test('members uploaded longer ago than the refresh cutoff are uploaded again', () => {
  const cutoff = refreshCutoff(NOW, 540);
  expect(cutoff).toBe(NOW - 510 * DAY);
  const current = [{ emailHash: hex('a'), uploadedAt: cutoff - 1 }, { emailHash: hex('b'), uploadedAt: cutoff + 1 }];
  expect(diffAudience([hex('a'), hex('b')], current, options)).toEqual({ adds: [hex('a')], removes: [], refreshes: 1, deferred: 0 });
});

test('short life spans refresh at half the span', () => {
  expect(refreshCutoff(NOW, 30)).toBe(NOW - 15 * DAY);
});

test('additions beyond one job wait for the next sync, new members before refreshes', () => {
  const stale = NOW - 600 * DAY;
  const current = [{ emailHash: hex('a'), uploadedAt: stale }];
  const diff = diffAudience([hex('a'), hex('b'), hex('c')], current, { ...options, maxPerJob: 2 });
  expect(diff).toEqual({ adds: [hex('b'), hex('c')], removes: [], refreshes: 0, deferred: 1 });
});

test('batchesOf cuts a list into requests of at most size items, in order', () => {
  expect(batchesOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  expect(batchesOf([], 10)).toEqual([]);
  expect(() => batchesOf([1], 0)).toThrow(RangeError);
});
