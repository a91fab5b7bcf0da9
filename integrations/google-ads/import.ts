// Google Ads spend by day and ad: POST /v{N}/customers/{cid}/googleAds:searchStream with a GAQL query
// over ad_group_ad segmented by date (../shared/REFERENCE.md). searchStream has no pages: one request
// answers the whole window as an array of batches, so a "page" of the import is one window of days of
// one customer (one day by default, so a page's size is bounded by one day's ads).
//
// Auth: an OAuth access token from the refresh token (cached for the stream's life, refreshed a minute
// before it expires), the developer-token header, and login-customer-id when a manager account is used.
// Errors: 429 RESOURCE_EXHAUSTED (and 5xx) are retryable; the wait comes from Retry-After or, when
// Google sends none, from the quota error's retryDelay ("30s") in the error details.
import { z } from 'zod';
import { createAdReportStream, type AdReportCursor, type AdReportRequest, type AdReportStreamOptions, type AdReportWindowPage } from '../ad-report-stream';
import type { ImportStream } from '../contracts';
import { fetchVendorJson, parseRetryAfter, VendorHttpError } from '../http';
import type { GoogleAdsCredentials } from './credentials';
import { normaliseGoogleAdsRow } from './normalise';
import { googleAdsSearchStreamSchema, googleErrorSchema, googleTokenSchema } from './schemas';

const VENDOR = 'google_ads';

/** The fields normalise maps; nothing else is asked for. */
export const GOOGLE_ADS_SPEND_FIELDS = [
  'customer.id',
  'customer.currency_code',
  'customer.time_zone',
  'campaign.id',
  'campaign.name',
  'ad_group.id',
  'ad_group.name',
  'ad_group_ad.ad.id',
  'ad_group_ad.ad.name',
  'segments.date',
  'metrics.cost_micros',
  'metrics.clicks',
  'metrics.impressions',
] as const;

/** The GAQL of one window (days are validated YYYY-MM-DD before they get here: no injection). */
export function googleAdsSpendQuery(start: string, end: string): string {
  return `SELECT ${GOOGLE_ADS_SPEND_FIELDS.join(', ')} FROM ad_group_ad WHERE segments.date BETWEEN '${start}' AND '${end}'`;
}

export function createGoogleAdsSpendStream(credentials: GoogleAdsCredentials, options: AdReportStreamOptions = {}): ImportStream<AdReportCursor> {
  const token = googleAccessToken(credentials);
  return createAdReportStream(
    {
      vendor: VENDOR,
      accounts: credentials.customerIds,
      defaultWindowDays: 1,
      maxWindowDays: 31,
      normalise: normaliseGoogleAdsRow,
      async fetchWindowPage(request: AdReportRequest): Promise<AdReportWindowPage> {
        const url = new URL(`${credentials.apiBaseUrl}/${credentials.apiVersion}/customers/${request.accountId}/googleAds:searchStream`);
        const headers: Record<string, string> = {
          authorization: `Bearer ${await token()}`,
          'developer-token': credentials.developerToken,
          'content-type': 'application/json',
        };
        if (credentials.loginCustomerId !== undefined) headers['login-customer-id'] = credentials.loginCustomerId;
        const response = await fetchVendorJson(
          { vendor: VENDOR, url, method: 'POST', headers, body: JSON.stringify({ query: googleAdsSpendQuery(request.start, request.end) }), timeoutMs: 120_000, classifyError: classifyGoogleError },
          googleAdsSearchStreamSchema,
        );
        return { rows: response.data.flatMap((batch) => batch.results ?? []), nextPage: null };
      },
    },
    options,
  );
}

/** An access token from the refresh token, fetched once and reused until a minute before it expires. */
export function googleAccessToken(credentials: GoogleAdsCredentials): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | null = null;
  return async () => {
    if (cached !== null && Date.now() < cached.expiresAt) return cached.token;
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      refresh_token: credentials.refreshToken,
    }).toString();
    const response = await fetchVendorJson(
      { vendor: VENDOR, url: new URL(credentials.tokenUrl), method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
      googleTokenSchema,
    );
    const lifetime = response.data.expires_in ?? 3600;
    cached = { token: response.data.access_token, expiresAt: Date.now() + Math.max(0, lifetime - 60) * 1000 };
    return cached.token;
  };
}

/** Google's error body → the error to throw: its message in front, and the retryDelay of a quota error as the wait. */
export function classifyGoogleError(failure: { status: number; text: string; headers: Headers }, operation = 'searchStream'): VendorHttpError | null {
  let json: unknown;
  try {
    json = JSON.parse(failure.text);
  } catch {
    return null;
  }
  const parsed = googleErrorSchema.safeParse(Array.isArray(json) ? json[0] : json);
  if (!parsed.success) return null;
  const { error } = parsed.data;
  const retryAfter = parseRetryAfter(failure.headers.get('retry-after')) ?? findRetryDelay(error.details);
  const detail = [error.status, error.message].filter(Boolean).join(': ');
  return new VendorHttpError(VENDOR, failure.status, `${VENDOR}: ${operation} answered ${failure.status}: ${detail.slice(0, 300)}`, retryAfter);
}

const durationSchema = z.string().regex(/^\d+(?:\.\d+)?s$/);

/** The first `retryDelay: "12s"` anywhere in the error details (GoogleAdsFailure quotaErrorDetails or google.rpc.RetryInfo). */
function findRetryDelay(value: unknown, depth = 0): number | null {
  if (depth > 8 || typeof value !== 'object' || value === null) return null;
  for (const [key, field] of Object.entries(value)) {
    if (key === 'retryDelay' && durationSchema.safeParse(field).success) return Math.ceil(Number.parseFloat(field as string));
    const found = findRetryDelay(field, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
