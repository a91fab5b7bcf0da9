import { dayRange, localDay, localDayBounds, localDayStart, recentLocalDays } from '../../../lib/metrics/days';

describe('company-local days', () => {
  test('an ordinary Berlin day is 24 hours from local midnight', () => {
    expect(localDayBounds('2025-03-29', 'Europe/Berlin')).toEqual({ start: new Date('2025-03-28T23:00:00Z'), end: new Date('2025-03-29T23:00:00Z'), hours: 24 });
  });

  test('the spring-forward day has 23 hours and the fall-back day 25', () => {
    expect(localDayBounds('2025-03-30', 'Europe/Berlin')).toEqual({ start: new Date('2025-03-29T23:00:00Z'), end: new Date('2025-03-30T22:00:00Z'), hours: 23 });
    expect(localDayBounds('2025-10-26', 'Europe/Berlin')).toEqual({ start: new Date('2025-10-25T22:00:00Z'), end: new Date('2025-10-26T23:00:00Z'), hours: 25 });
    expect(localDayBounds('2025-11-02', 'America/New_York').hours).toBe(25);
    expect(localDayBounds('2025-04-06', 'Pacific/Auckland').hours).toBe(25);
  });

  test('a zone where midnight is skipped starts the day at the first instant after the gap', () => {
    // Chile (America/Santiago) springs forward at 00:00 → 01:00 on 2025-09-07
    const start = localDayStart('2025-09-07', 'America/Santiago');
    expect(start.toISOString()).toBe('2025-09-07T04:00:00.000Z');
    expect(localDay(start, 'America/Santiago')).toBe('2025-09-07');
  });

  test('an instant belongs to its local day, not its UTC day', () => {
    expect(localDay(new Date('2025-03-29T23:30:00Z'), 'Europe/Berlin')).toBe('2025-03-30');
    expect(localDay(new Date('2025-03-29T23:30:00Z'), 'UTC')).toBe('2025-03-29');
    expect(localDay(new Date('2025-03-30T10:00:00Z'), 'Pacific/Auckland')).toBe('2025-03-30');
  });

  test('the daily rollup recomputes the 3 local days before today', () => {
    // 04:15 in Berlin on 2025-10-27 is 03:15 UTC
    expect(recentLocalDays(new Date('2025-10-27T03:15:00Z'), 'Europe/Berlin', 3)).toEqual(['2025-10-24', '2025-10-25', '2025-10-26']);
    // the same instant is already the 27th in Auckland and still the 26th in Los Angeles
    expect(recentLocalDays(new Date('2025-10-27T03:15:00Z'), 'America/Los_Angeles', 3)).toEqual(['2025-10-23', '2025-10-24', '2025-10-25']);
  });

  test('a day range is inclusive and empty when reversed', () => {
    expect(dayRange('2025-02-27', '2025-03-02')).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02']);
    expect(dayRange('2025-03-02', '2025-03-01')).toEqual([]);
  });

  test('a malformed day is rejected', () => {
    expect(() => localDayStart('2025-02-30', 'UTC')).toThrow(/calendar day/);
  });
});
