// Meta ad spend: GET /v{N}/act_{id}/insights?level=ad&time_increment=1&time_range={since,until}, one
// window of days at a time, following paging.cursors.after while the answer has paging.next
// (../shared/REFERENCE.md). The token goes in the Authorization header, never in the URL.
//
// Throttling: Meta answers rate limits with HTTP 400 (sometimes 403) and an error code, not 429 (2nd-hand:
// codes 4 app limit, 17 user limit, 32 page limit, 613 hourly limit, 80000–80014 business-use-case
// limits; 1 and 2 are transient server errors). Those are read as retryable; the wait comes from the
// X-Business-Use-Case-Usage header's estimated_time_to_regain_access (minutes) when present.
import { createAdReportStream, type AdReportCursor, type AdReportRequest, type AdReportStreamOptions, type AdReportWindowPage } from '../ad-report-stream';
import type { ImportStream } from '../contracts';
import { fetchVendorJson, parseRetryAfter, VendorHttpError } from '../http';
import type { MetaCredentials } from './credentials';
import { normaliseMetaInsightsRow } from './normalise';
import { metaErrorSchema, metaInsightsPageSchema } from './schemas';

const VENDOR = 'meta';

export const META_INSIGHTS_FIELDS = [
  'account_id',
  'account_currency',
  'campaign_id',
  'campaign_name',
  'adset_id',
  'adset_name',
  'ad_id',
  'ad_name',
  'spend',
  'impressions',
  'clicks',
] as const;

export type MetaStreamOptions = AdReportStreamOptions & { pageSize?: number };

export function createMetaSpendStream(credentials: MetaCredentials, options: MetaStreamOptions = {}): ImportStream<AdReportCursor> {
  const pageSize = options.pageSize ?? 500;
  return createAdReportStream(
    {
      vendor: VENDOR,
      accounts: credentials.adAccountIds,
      defaultWindowDays: 7,
      maxWindowDays: 31,
      normalise: normaliseMetaInsightsRow,
      async fetchWindowPage(request: AdReportRequest): Promise<AdReportWindowPage> {
        const url = new URL(`${credentials.apiBaseUrl}/${credentials.apiVersion}/act_${request.accountId}/insights`);
        const query = url.searchParams;
        query.set('level', 'ad');
        query.set('fields', META_INSIGHTS_FIELDS.join(','));
        query.set('time_range', JSON.stringify({ since: request.start, until: request.end }));
        query.set('time_increment', '1');
        query.set('limit', String(pageSize));
        if (request.page !== null) query.set('after', request.page);
        const response = await fetchVendorJson(
          { vendor: VENDOR, url, headers: { authorization: `Bearer ${credentials.accessToken}` }, timeoutMs: 120_000, classifyError: classifyMetaError },
          metaInsightsPageSchema,
        );
        const after = response.data.paging?.cursors?.after;
        const hasNext = response.data.paging?.next !== undefined && after !== undefined && after !== '';
        return { rows: response.data.data, nextPage: hasNext ? after : null };
      },
    },
    options,
  );
}

const THROTTLE_CODES = new Set([4, 17, 32, 613]);
const TRANSIENT_CODES = new Set([1, 2]);

/** Meta's error body → the error to throw: throttling and transient codes become retryable. */
export function classifyMetaError(failure: { status: number; text: string; headers: Headers }): VendorHttpError | null {
  let json: unknown;
  try {
    json = JSON.parse(failure.text);
  } catch {
    return null;
  }
  const parsed = metaErrorSchema.safeParse(json);
  if (!parsed.success) return null;
  const { error } = parsed.data;
  const code = error.code ?? null;
  const summary = `${error.type ?? 'error'} code ${code ?? '?'}${error.error_subcode !== undefined ? `/${error.error_subcode}` : ''}: ${error.message ?? ''}`.slice(0, 300);
  const message = `${VENDOR}: insights answered ${failure.status}: ${summary}${error.fbtrace_id ? ` (fbtrace_id ${error.fbtrace_id})` : ''}`;
  const throttled = code !== null && (THROTTLE_CODES.has(code) || (code >= 80000 && code <= 80014));
  const retryAfter = parseRetryAfter(failure.headers.get('retry-after')) ?? regainAccessSeconds(failure.headers.get('x-business-use-case-usage'));
  // Status 429 / 503 stand for "rate limited" / "try again" in our retry rules (VendorHttpError.retryable).
  if (throttled) return new VendorHttpError(VENDOR, 429, message, retryAfter);
  if (code !== null && TRANSIENT_CODES.has(code)) return new VendorHttpError(VENDOR, 503, message, retryAfter);
  return new VendorHttpError(VENDOR, failure.status, message, retryAfter);
}

/** The largest estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage, in seconds. */
function regainAccessSeconds(header: string | null): number | null {
  if (header === null) return null;
  try {
    const usage = JSON.parse(header) as Record<string, Array<{ estimated_time_to_regain_access?: unknown }>>;
    const minutes = Object.values(usage)
      .flat()
      .map((u) => u.estimated_time_to_regain_access)
      .filter((m): m is number => typeof m === 'number' && m > 0);
    return minutes.length > 0 ? Math.max(...minutes) * 60 : null;
  } catch {
    return null;
  }
}
