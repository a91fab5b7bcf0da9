// TikTok ad spend: GET /open_api/v1.3/report/integrated/get/ (report_type BASIC, data_level AUCTION_AD,
// dimensions ad_id + stat_time_day), header Access-Token, one window of days (≤ 30 with a daily
// dimension) at a time, page by page (../shared/REFERENCE.md, 2nd-hand).
//
// TikTok answers errors with HTTP 200 and a non-zero code (2nd-hand): 40100 is its rate limit (read as
// retryable, like a 429), 5xxxx are server-side errors (retryable), anything else (bad token, no
// permission, bad parameter) fails for good with TikTok's message and request id.
import { createAdReportStream, type AdReportCursor, type AdReportRequest, type AdReportStreamOptions, type AdReportWindowPage } from '../ad-report-stream';
import type { ImportStream } from '../contracts';
import { fetchVendorJson, VendorHttpError, VendorResponseError } from '../http';
import { describeIssues } from '../../lib/zod-issues';
import type { TikTokCredentials } from './credentials';
import { normaliseTikTokReportRow } from './normalise';
import { tiktokEnvelopeSchema, tiktokReportDataSchema } from './schemas';

const VENDOR = 'tiktok';
export const TIKTOK_REPORT_PATH = '/open_api/v1.3/report/integrated/get/';
export const TIKTOK_MAX_PAGE_SIZE = 1000;
export const TIKTOK_RATE_LIMIT_CODE = 40100;

export const TIKTOK_DIMENSIONS = ['ad_id', 'stat_time_day'] as const;
export const TIKTOK_METRICS = ['spend', 'impressions', 'clicks', 'campaign_id', 'campaign_name', 'adgroup_id', 'adgroup_name', 'ad_name', 'currency'] as const;

export type TikTokStreamOptions = AdReportStreamOptions & { pageSize?: number };

export function createTikTokSpendStream(credentials: TikTokCredentials, options: TikTokStreamOptions = {}): ImportStream<AdReportCursor> {
  const pageSize = options.pageSize ?? TIKTOK_MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > TIKTOK_MAX_PAGE_SIZE) throw new RangeError(`TikTok pageSize must be an integer from 1 to ${TIKTOK_MAX_PAGE_SIZE}, got ${pageSize}`);
  return createAdReportStream(
    {
      vendor: VENDOR,
      accounts: credentials.advertiserIds,
      defaultWindowDays: 7,
      maxWindowDays: 30,
      normalise: normaliseTikTokReportRow,
      async fetchWindowPage(request: AdReportRequest): Promise<AdReportWindowPage> {
        const page = request.page === null ? 1 : Number(request.page);
        const url = new URL(`${credentials.apiBaseUrl}${TIKTOK_REPORT_PATH}`);
        const query = url.searchParams;
        query.set('advertiser_id', request.accountId);
        query.set('report_type', 'BASIC');
        query.set('data_level', 'AUCTION_AD');
        query.set('dimensions', JSON.stringify(TIKTOK_DIMENSIONS));
        query.set('metrics', JSON.stringify(TIKTOK_METRICS));
        query.set('start_date', request.start);
        query.set('end_date', request.end);
        query.set('page', String(page));
        query.set('page_size', String(pageSize));
        const response = await fetchVendorJson({ vendor: VENDOR, url, headers: { 'access-token': credentials.accessToken }, timeoutMs: 120_000 }, tiktokEnvelopeSchema);
        const envelope = response.data;
        if (envelope.code !== 0) throw tiktokError(envelope.code, envelope.message ?? '', envelope.request_id ?? null);
        const data = tiktokReportDataSchema.safeParse(envelope.data);
        if (!data.success) throw new VendorResponseError(VENDOR, `${VENDOR}: unexpected report shape: ${describeIssues(data.error, 'data').join('; ')}`);
        const { list, page_info: info } = data.data;
        // The advertiser is the request's, not a field of TikTok's row: added so a row says whose it is.
        const rows = list.map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? { advertiser_id: request.accountId, ...item } : item));
        return { rows, nextPage: info.page < info.total_page ? String(info.page + 1) : null };
      },
    },
    options,
  );
}

export function tiktokError(code: number, message: string, requestId: string | null): VendorHttpError {
  const text = `${VENDOR}: report answered code ${code}: ${message.slice(0, 300)}${requestId ? ` (request_id ${requestId})` : ''}`;
  if (code === TIKTOK_RATE_LIMIT_CODE) return new VendorHttpError(VENDOR, 429, text, null);
  if (code >= 50000 && code < 60000) return new VendorHttpError(VENDOR, 503, text, null);
  return new VendorHttpError(VENDOR, 400, text, null);
}
