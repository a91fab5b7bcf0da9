// The time formats each vendor wants for a conversion's instant, and the vendors' age limits.
//   Google Ads  conversionDateTime "yyyy-mm-dd hh:mm:ss+hh:mm" (the offset is required; we write the
//               instant in the company's time zone, so it reads like the shop's own clock)
//   Meta        event_time: unix seconds; an event older than 7 days fails the whole request
//   TikTok      event_time: unix seconds (Events API 2.0)
//   GA4 MP      timestamp_micros: unix microseconds; at most 72 hours in the past
export const META_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
export const GA4_MAX_AGE_MS = 72 * 3600 * 1000;

export const unixSeconds = (instant: Date): number => Math.floor(instant.getTime() / 1000);

/** The instant as "yyyy-mm-dd hh:mm:ss+hh:mm" in `timeZone` (IANA), e.g. "2026-03-31 12:00:00+02:00". */
export function googleConversionDateTime(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMinutes = Math.round((wall - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Meta refuses events older than 7 days (the whole request fails): such a conversion is expired, not retried. */
export const isTooOldForMeta = (eventTime: Date, now: Date): boolean => now.getTime() - eventTime.getTime() > META_MAX_AGE_MS;

/** GA4 Measurement Protocol accepts timestamps up to 72 hours back. */
export const isTooOldForGa4 = (eventTime: Date, now: Date): boolean => now.getTime() - eventTime.getTime() > GA4_MAX_AGE_MS;
