// The import stream shape every ad platform shares: a daily report read over a range of days
// [from, to], for each of the company's ad accounts in turn, in windows of a few days (a vendor caps how
// many days one request may cover, and smaller windows keep one page's rows bounded), and page by page
// inside a window when the vendor paginates (Meta's `after` cursor, TikTok's page numbers).
//
// Late data: platforms revise recent days after the fact (late conversions, spend corrections, invalid
// click refunds). So a new incremental run does not start where the last one ended but `lookbackDays`
// before it, and storage upserts on (company, platform, account, day, ad): re-read days replace their
// rows, they never add to them.
//
// "Today" is the UTC day of the run. An account ahead of UTC (e.g. Asia/Tokyo) already has tomorrow's
// spend for part of the UTC day; it is read by the next run after UTC midnight (the lookback re-reads
// the days around it), so nothing is missed, only delayed by at most a day.
import { z } from 'zod';
import { addDays, isDay, maxDay, minDay, utcDay } from '../lib/ads/days';
import type { NormaliseResult } from '../lib/commerce/records';
import type { ImportPage, ImportStream } from './contracts';

const day = z.string().refine(isDay, 'expected a calendar day YYYY-MM-DD');

export const adReportCursorSchema = z.object({
  /** First day of this run's range (inclusive). */
  from: day,
  /** Last day of this run's range (inclusive), fixed when the run started. */
  to: day,
  /** Index of the account being read, in the credentials' account list. */
  account: z.number().int().nonnegative(),
  /** First day of the window being read. */
  windowStart: day,
  /** The vendor's next page inside the window (Meta's after cursor, TikTok's page number); null: the first. */
  page: z.string().nullable(),
});
export type AdReportCursor = z.infer<typeof adReportCursorSchema>;

export type AdReportRequest = { accountId: string; start: string; end: string; page: string | null };
export type AdReportWindowPage = { rows: unknown[]; nextPage: string | null };

export type AdReportStreamOptions = {
  /** Days per request (1..the vendor's maximum). */
  windowDays?: number;
  /** Days before the previous run's last day that the next run reads again (default 3). */
  lookbackDays?: number;
  /** Days a first run reads when no `since` is given, today included (default 30). */
  backfillDays?: number;
  /** The clock for "today" (tests pin it). */
  now?: () => Date;
};

export type AdReportStreamSpec = {
  vendor: string;
  /** The stream's name (the key of its stored cursor); default 'ad_spend'. Organic reports reuse this shape. */
  stream?: string;
  accounts: readonly string[];
  defaultWindowDays: number;
  maxWindowDays: number;
  fetchWindowPage(request: AdReportRequest): Promise<AdReportWindowPage>;
  normalise(row: unknown): NormaliseResult;
};

export const AD_SPEND_STREAM = 'ad_spend';

export function createAdReportStream(spec: AdReportStreamSpec, options: AdReportStreamOptions = {}): ImportStream<AdReportCursor> {
  const windowDays = options.windowDays ?? spec.defaultWindowDays;
  const lookbackDays = options.lookbackDays ?? 3;
  const backfillDays = options.backfillDays ?? 30;
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > spec.maxWindowDays) {
    throw new RangeError(`${spec.vendor}: windowDays must be an integer from 1 to ${spec.maxWindowDays}, got ${windowDays}`);
  }
  if (!Number.isInteger(lookbackDays) || lookbackDays < 0) throw new RangeError(`${spec.vendor}: lookbackDays must be a non-negative integer, got ${lookbackDays}`);
  if (!Number.isInteger(backfillDays) || backfillDays < 1) throw new RangeError(`${spec.vendor}: backfillDays must be a positive integer, got ${backfillDays}`);
  if (spec.accounts.length === 0) throw new RangeError(`${spec.vendor}: no ad accounts configured`);
  const now = options.now ?? (() => new Date());
  const today = (): string => utcDay(now());
  const start = (from: string, to: string): AdReportCursor => ({ from: minDay(from, to), to, account: 0, windowStart: minDay(from, to), page: null });

  return {
    vendor: spec.vendor,
    stream: spec.stream ?? AD_SPEND_STREAM,
    cursorSchema: adReportCursorSchema,

    initialCursor(since: string | null): AdReportCursor {
      const to = today();
      if (since === null) return start(addDays(to, -(backfillDays - 1)), to);
      const time = Date.parse(since);
      if (Number.isNaN(time)) throw new RangeError(`not an ISO 8601 date-time: ${JSON.stringify(since)}`);
      return start(utcDay(new Date(time)), to);
    },

    restartCursor(finished: AdReportCursor): AdReportCursor {
      // From `lookbackDays` before where the last run ended, so late corrections are read again.
      return start(addDays(finished.to, -lookbackDays), maxDay(today(), finished.to));
    },

    async fetchPage(cursor: AdReportCursor): Promise<ImportPage<AdReportCursor>> {
      const accountId = spec.accounts[cursor.account];
      // The account list shrank since the run began (credentials changed): nothing left to read.
      if (accountId === undefined) return { rows: [], cursor: start(cursor.from, cursor.to), done: true, totalRows: null };
      const end = minDay(addDays(cursor.windowStart, windowDays - 1), cursor.to);
      const page = await spec.fetchWindowPage({ accountId, start: cursor.windowStart, end, page: cursor.page });

      let next: AdReportCursor;
      let done = false;
      if (page.nextPage !== null) next = { ...cursor, page: page.nextPage };
      else if (end < cursor.to) next = { ...cursor, windowStart: addDays(end, 1), page: null };
      else if (cursor.account + 1 < spec.accounts.length) next = { ...cursor, account: cursor.account + 1, windowStart: cursor.from, page: null };
      else {
        // Finished: restartCursor starts the next run from this range's end.
        next = start(cursor.from, cursor.to);
        done = true;
      }
      return { rows: page.rows, cursor: next, done, totalRows: null };
    },

    normalise: (row) => spec.normalise(row),
  };
}

/** Reads a comma-separated list from a CLI flag, or an array from a JSON file, as a list of trimmed strings. */
export function listInput(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
