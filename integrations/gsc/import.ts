// Search Console search analytics by day: POST {apiBaseUrl}/webmasters/v3/sites/{urlencoded site}/searchAnalytics/query
// (../shared/REFERENCE.md) with {startDate, endDate, dimensions, type, rowLimit, startRow, dataState}, one
// window of days (one day by default) of one property at a time. Two queries per window, because Google
// reports the searchAppearance dimension only on its own (it cannot be grouped with query or page):
//   1. dimensions [date, query, page], page by page with startRow += rowLimit while a page comes back full;
//   2. dimensions [date, searchAppearance] (rich results, AI overview appearances, ... as Google names them).
// The import page cursor says which: "qp:<startRow>" or "sa:<startRow>" (null = "qp:0").
//
// Late data: Search Console data arrives 2–3 days late and fresh days (dataState all) keep changing until
// final, so each run re-reads `lookbackDays` (default 4) before the previous run's end; storage upserts on
// the natural key, so re-read days replace their rows.
//
// Auth: an OAuth access token from the refresh token (cached, refreshed a minute before it expires).
// Errors: 429 (RESOURCE_EXHAUSTED / rateLimitExceeded) and 5xx are retryable, after Retry-After when sent;
// 401/403 (no access to the property) fail for good with Google's message.
import { createAdReportStream, type AdReportCursor, type AdReportRequest, type AdReportStreamOptions, type AdReportWindowPage } from '../ad-report-stream';
import type { ImportStream } from '../contracts';
import { fetchVendorJson, parseRetryAfter, VendorHttpError } from '../http';
import { googleErrorSchema, googleTokenSchema } from '../google-ads/schemas';
import type { GscCredentials } from './credentials';
import { normaliseGscRow } from './normalise';
import { gscQueryResponseSchema } from './schemas';

const VENDOR = 'gsc';
export const GSC_STREAM = 'search_analytics';
/** Rows per request: Google's documented maximum (REFERENCE.md: ≤ 25,000, 2nd-hand). */
export const GSC_MAX_ROW_LIMIT = 25_000;
export const GSC_QUERY_PAGE_DIMENSIONS = ['date', 'query', 'page'] as const;
export const GSC_APPEARANCE_DIMENSIONS = ['date', 'searchAppearance'] as const;

export type GscStreamOptions = AdReportStreamOptions & { rowLimit?: number };

/** Which query and start row a page cursor names. */
export function parseGscPage(page: string | null): { phase: 'qp' | 'sa'; startRow: number } {
  if (page === null) return { phase: 'qp', startRow: 0 };
  const match = /^(qp|sa):(\d+)$/.exec(page);
  if (!match) throw new RangeError(`gsc: not a page cursor: ${JSON.stringify(page)}`);
  return { phase: match[1] as 'qp' | 'sa', startRow: Number(match[2]) };
}

export function gscQueryUrl(apiBaseUrl: string, siteUrl: string): URL {
  return new URL(`${apiBaseUrl}/webmasters/v3/sites/${encodeURIComponent(siteUrl)}/searchAnalytics/query`);
}

export function createGscStream(credentials: GscCredentials, options: GscStreamOptions = {}): ImportStream<AdReportCursor> {
  const rowLimit = options.rowLimit ?? credentials.rowLimit;
  if (!Number.isInteger(rowLimit) || rowLimit < 1 || rowLimit > GSC_MAX_ROW_LIMIT) throw new RangeError(`gsc: rowLimit must be an integer from 1 to ${GSC_MAX_ROW_LIMIT}, got ${rowLimit}`);
  const token = googleOAuthToken(credentials);
  return createAdReportStream(
    {
      vendor: VENDOR,
      stream: GSC_STREAM,
      accounts: credentials.siteUrls,
      defaultWindowDays: 1,
      maxWindowDays: 31,
      normalise: normaliseGscRow,
      async fetchWindowPage(request: AdReportRequest): Promise<AdReportWindowPage> {
        const { phase, startRow } = parseGscPage(request.page);
        const dimensions = phase === 'qp' ? GSC_QUERY_PAGE_DIMENSIONS : GSC_APPEARANCE_DIMENSIONS;
        const body = { startDate: request.start, endDate: request.end, dimensions, type: credentials.searchType, rowLimit, startRow, dataState: credentials.dataState };
        const response = await fetchVendorJson(
          {
            vendor: VENDOR,
            url: gscQueryUrl(credentials.apiBaseUrl, request.accountId),
            method: 'POST',
            headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
            timeoutMs: 120_000,
            classifyError: classifyGscError,
          },
          gscQueryResponseSchema,
        );
        const firstIncompleteDate = response.data.metadata?.first_incomplete_date ?? null;
        // The request's context goes on each row, so a row says which property and dimensions it answers
        // (and, per row, whether its day is still incomplete: the same row reads the same until it changes,
        // so a rejected one is recorded once).
        const rows = response.data.rows.map((row) => {
          if (typeof row !== 'object' || row === null || Array.isArray(row)) return row;
          const date = (row as { keys?: unknown }).keys;
          const day = Array.isArray(date) && typeof date[0] === 'string' ? date[0] : null;
          const fresh = firstIncompleteDate !== null && day !== null && day >= firstIncompleteDate;
          return { ...row, siteUrl: request.accountId, searchType: credentials.searchType, dimensions: [...dimensions], fresh };
        });
        const full = response.data.rows.length >= rowLimit;
        const nextPage = full ? `${phase}:${startRow + rowLimit}` : phase === 'qp' ? 'sa:0' : null;
        return { rows, nextPage };
      },
    },
    { ...options, lookbackDays: options.lookbackDays ?? 4 },
  );
}

/** An access token from the refresh token, fetched once and reused until a minute before it expires. */
export function googleOAuthToken(credentials: Pick<GscCredentials, 'clientId' | 'clientSecret' | 'refreshToken' | 'tokenUrl'>): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | null = null;
  return async () => {
    if (cached !== null && Date.now() < cached.expiresAt) return cached.token;
    const body = new URLSearchParams({ grant_type: 'refresh_token', client_id: credentials.clientId, client_secret: credentials.clientSecret, refresh_token: credentials.refreshToken }).toString();
    const response = await fetchVendorJson({ vendor: VENDOR, url: new URL(credentials.tokenUrl), method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, googleTokenSchema);
    const lifetime = response.data.expires_in ?? 3600;
    cached = { token: response.data.access_token, expiresAt: Date.now() + Math.max(0, lifetime - 60) * 1000 };
    return cached.token;
  };
}

/** Google's error body ({error: {code, message, status, errors}}) → the error to throw, its message in front. */
export function classifyGscError(failure: { status: number; text: string; headers: Headers }): VendorHttpError | null {
  let json: unknown;
  try {
    json = JSON.parse(failure.text);
  } catch {
    return null;
  }
  const parsed = googleErrorSchema.safeParse(json);
  if (!parsed.success) return null;
  const { error } = parsed.data;
  const detail = [error.status, error.message].filter(Boolean).join(': ');
  return new VendorHttpError(VENDOR, failure.status, `${VENDOR}: searchAnalytics.query answered ${failure.status}: ${detail.slice(0, 300)}`, parseRetryAfter(failure.headers.get('retry-after')));
}
