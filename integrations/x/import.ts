// X account days: the posts an account published on a day (UTC, X's clock), read with
// GET /2/users/:id/tweets?start_time&end_time (a one-day window), following meta.next_token page by page
// inside the window, summed into one row per account and day: impressions and engagements (likes +
// replies + reposts + quotes + bookmarks) of that day's posts, as of the read. X's v2 API has no
// account-level daily analytics, so a day's numbers are its posts' lifetime metrics; they keep growing for
// a few days, which the lookback (default 7 days) re-reads. The follower count is a snapshot of now
// (GET /2/users/:id), so it is stored on the current UTC day's row only.
//
// Rate limits: HTTP 429 with x-rate-limit-reset (epoch seconds): retryable, waiting until the reset.
import { utcDay } from '../../lib/ads/days';
import { createAdReportStream, type AdReportCursor, type AdReportRequest, type AdReportStreamOptions, type AdReportWindowPage } from '../ad-report-stream';
import type { ImportStream } from '../contracts';
import { fetchVendorJson, parseRetryAfter, VendorHttpError } from '../http';
import type { XCredentials } from './credentials';
import { normaliseXAccountDay } from './normalise';
import { xTimelinePageSchema, xUserSchema } from './schemas';

const VENDOR = 'x';
export const X_STREAM = 'account_days';
export const X_MAX_RESULTS = 100;
/** Pages of one day we follow at most (X serves the latest 3,200 posts of a timeline anyway). */
const MAX_PAGES_PER_DAY = 40;

export type XStreamOptions = AdReportStreamOptions & { maxResults?: number };

export function createXStream(credentials: XCredentials, options: XStreamOptions = {}): ImportStream<AdReportCursor> {
  const maxResults = options.maxResults ?? X_MAX_RESULTS;
  // X's minimum max_results is 5.
  if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > X_MAX_RESULTS) throw new RangeError(`x: maxResults must be an integer from 5 to ${X_MAX_RESULTS}, got ${maxResults}`);
  const now = options.now ?? (() => new Date());
  const headers = { authorization: `Bearer ${credentials.bearerToken}` };
  return createAdReportStream(
    {
      vendor: VENDOR,
      stream: X_STREAM,
      accounts: credentials.userIds,
      defaultWindowDays: 1,
      maxWindowDays: 1,
      normalise: normaliseXAccountDay,
      async fetchWindowPage(request: AdReportRequest): Promise<AdReportWindowPage> {
        const posts: unknown[] = [];
        let token: string | undefined;
        for (let page = 0; page < MAX_PAGES_PER_DAY; page += 1) {
          const url = new URL(`${credentials.apiBaseUrl}/2/users/${request.accountId}/tweets`);
          url.searchParams.set('start_time', `${request.start}T00:00:00Z`);
          url.searchParams.set('end_time', `${request.end}T23:59:59Z`);
          url.searchParams.set('max_results', String(maxResults));
          url.searchParams.set('tweet.fields', 'created_at,public_metrics');
          if (token !== undefined) url.searchParams.set('pagination_token', token);
          const response = await fetchVendorJson({ vendor: VENDOR, url, headers, timeoutMs: 60_000, classifyError: classifyXError }, xTimelinePageSchema);
          posts.push(...response.data.data);
          token = response.data.meta?.next_token;
          if (token === undefined || token === '') break;
        }
        let followers: number | null = null;
        if (request.start === utcDay(now())) {
          const url = new URL(`${credentials.apiBaseUrl}/2/users/${request.accountId}`);
          url.searchParams.set('user.fields', 'public_metrics');
          followers = (await fetchVendorJson({ vendor: VENDOR, url, headers, timeoutMs: 30_000, classifyError: classifyXError }, xUserSchema)).data.data.public_metrics.followers_count;
        }
        if (posts.length === 0 && followers === null) return { rows: [], nextPage: null };
        return { rows: [{ user_id: request.accountId, day: request.start, posts, followers_count: followers }], nextPage: null };
      },
    },
    { ...options, lookbackDays: options.lookbackDays ?? 7 },
  );
}

/** X's error body and rate-limit headers → the error to throw; a 429 waits until x-rate-limit-reset. */
export function classifyXError(failure: { status: number; text: string; headers: Headers }): VendorHttpError | null {
  let detail = failure.text.slice(0, 300);
  try {
    const body = JSON.parse(failure.text) as { title?: unknown; detail?: unknown };
    if (typeof body.title === 'string' || typeof body.detail === 'string') detail = [body.title, body.detail].filter((p) => typeof p === 'string').join(': ');
  } catch {
    // not JSON: keep the text
  }
  let wait = parseRetryAfter(failure.headers.get('retry-after'));
  const reset = Number(failure.headers.get('x-rate-limit-reset'));
  if (wait === null && failure.status === 429 && Number.isFinite(reset) && reset > 0) wait = Math.max(1, Math.ceil(reset - Date.now() / 1000));
  return new VendorHttpError(VENDOR, failure.status, `${VENDOR}: answered ${failure.status}: ${detail.slice(0, 300)}`, wait);
}
