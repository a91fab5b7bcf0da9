// Time-to-conversion buckets (first touch → purchase). Same bounds as time_to_conversion_bucket() in
// migration 0008; the rollup integration test checks both agree.
const HOUR = 3600;
const DAY = 24 * HOUR;

export const TIME_TO_CONVERSION_BUCKETS = [
  { bucket: 0, label: 'no first touch', upToSeconds: null },
  { bucket: 1, label: '< 1 hour', upToSeconds: HOUR },
  { bucket: 2, label: '1 hour - 1 day', upToSeconds: DAY },
  { bucket: 3, label: '1 - 3 days', upToSeconds: 3 * DAY },
  { bucket: 4, label: '3 - 7 days', upToSeconds: 7 * DAY },
  { bucket: 5, label: '7 - 14 days', upToSeconds: 14 * DAY },
  { bucket: 6, label: '14 - 30 days', upToSeconds: Infinity },
] as const;

/** The bucket of a conversion that took `seconds` (null: the order had no first touch). */
export function timeToConversionBucket(seconds: number | null): number {
  if (seconds === null) return 0;
  for (const b of TIME_TO_CONVERSION_BUCKETS) if (b.upToSeconds !== null && seconds < b.upToSeconds) return b.bucket;
  return 6;
}
