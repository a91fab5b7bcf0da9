// Company-local days. A company's day is [00:00, next 00:00) in its IANA time zone, so a DST day has
// 23 or 25 hours; the SQL side is local_day_start() in migration 0008 ((day::timestamp AT TIME ZONE tz)).
// Pure code (Intl only): usable in workflows, which must not read the clock or the host's zone.
import { addDays, isDay } from '../ads/days';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock parts of an instant in a time zone. */
function wallClock(instant: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day), h: Number(parts.hour), min: Number(parts.minute), s: Number(parts.second) };
}

/** Offset (ms) of the time zone from UTC at an instant: local wall clock − UTC. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(instant / 1000) * 1000;
}

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(instant: Date, timeZone: string): string {
  const w = wallClock(instant.getTime(), timeZone);
  return `${String(w.y).padStart(4, '0')}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** The instant a local day starts (its 00:00; where midnight does not exist, the first instant after the gap). */
export function localDayStart(day: string, timeZone: string): Date {
  if (!isDay(day)) throw new RangeError(`not a calendar day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  const wall = Date.parse(`${day}T00:00:00Z`);
  // Two passes settle the offset on either side of a transition (as PostgreSQL's AT TIME ZONE does).
  let instant = wall - offsetAt(wall, timeZone);
  instant = wall - offsetAt(instant, timeZone);
  // Midnight skipped by a DST gap (America/Santiago): the day starts at the gap, i.e. 00:00 read with the
  // offset in force before it, as PostgreSQL does.
  if (localDay(new Date(instant), timeZone) !== day) instant = wall - offsetAt(instant - 3_600_000 * 3, timeZone);
  return new Date(instant);
}

/** [start, end) of a local day and its length in hours (23, 24 or 25 on DST days). */
export function localDayBounds(day: string, timeZone: string): { start: Date; end: Date; hours: number } {
  const start = localDayStart(day, timeZone);
  const end = localDayStart(addDays(day, 1), timeZone);
  return { start, end, hours: (end.getTime() - start.getTime()) / 3_600_000 };
}

/**
 * The days the daily rollup recomputes when it runs at `now`: the `count` local days before today
 * (today is still being written), oldest first. Late data (a delayed batch, an import catching up)
 * lands within them.
 */
export function recentLocalDays(now: Date, timeZone: string, count: number): string[] {
  const today = localDay(now, timeZone);
  return Array.from({ length: count }, (_, i) => addDays(today, i - count));
}

/** Every day from `from` to `to`, inclusive (empty when to < from). */
export function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
