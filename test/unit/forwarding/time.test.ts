import { googleConversionDateTime, isTooOldForGa4, isTooOldForMeta, unixSeconds } from '../../../lib/forwarding/time';

describe('vendor time formats', () => {
  test('Google: yyyy-mm-dd hh:mm:ss+hh:mm in the company time zone, summer and winter', () => {
    expect(googleConversionDateTime(new Date('2026-03-31T10:00:00.000Z'), 'Europe/Berlin')).toBe('2026-03-31 12:00:00+02:00');
    expect(googleConversionDateTime(new Date('2026-01-15T23:30:05.999Z'), 'Europe/Berlin')).toBe('2026-01-16 00:30:05+01:00');
    expect(googleConversionDateTime(new Date('2026-01-15T03:04:05.000Z'), 'America/New_York')).toBe('2026-01-14 22:04:05-05:00');
    expect(googleConversionDateTime(new Date('2026-01-15T03:04:05.000Z'), 'UTC')).toBe('2026-01-15 03:04:05+00:00');
    expect(googleConversionDateTime(new Date('2026-06-01T00:00:00.000Z'), 'Asia/Kolkata')).toBe('2026-06-01 05:30:00+05:30');
  });

  test('Google: the DST change instant gets the offset in force at that instant', () => {
    // 2026-03-29 01:00 UTC: Berlin jumps from 02:00 CET to 03:00 CEST
    expect(googleConversionDateTime(new Date('2026-03-29T00:59:59.000Z'), 'Europe/Berlin')).toBe('2026-03-29 01:59:59+01:00');
    expect(googleConversionDateTime(new Date('2026-03-29T01:00:00.000Z'), 'Europe/Berlin')).toBe('2026-03-29 03:00:00+02:00');
  });

  test('Meta and TikTok: unix seconds, truncated', () => {
    expect(unixSeconds(new Date('2026-03-31T10:00:00.999Z'))).toBe(1774951200);
  });

  test('Meta: older than exactly 7 days is expired', () => {
    const now = new Date('2026-04-08T10:00:00.000Z');
    expect(isTooOldForMeta(new Date('2026-04-01T10:00:00.000Z'), now)).toBe(false);
    expect(isTooOldForMeta(new Date('2026-04-01T09:59:59.000Z'), now)).toBe(true);
  });

  test('GA4: older than 72 hours is too old', () => {
    const now = new Date('2026-04-08T10:00:00.000Z');
    expect(isTooOldForGa4(new Date('2026-04-05T10:00:00.000Z'), now)).toBe(false);
    expect(isTooOldForGa4(new Date('2026-04-05T09:00:00.000Z'), now)).toBe(true);
  });
});
