// Facebook Page and Instagram account insights by day, one account and one day per request (windows of
// one day: Instagram's total_value metrics answer one number per since..until range), accounts in turn,
// with the lookback re-reading recent days (Meta revises reach and engagement for about two days).
//
// Graph insights answers carry `paging.previous/next` links to the *adjacent time ranges*, not more rows
// of this one, so they are not followed: a one-day answer is complete. Throttling is read as for the ads
// import (HTTP 400/403 with codes 4, 17, 32, 613, 80001–80014: classifyMetaError).
import { addDays } from '../../lib/ads/days';
import { createAdReportStream, type AdReportCursor, type AdReportRequest, type AdReportStreamOptions, type AdReportWindowPage } from '../ad-report-stream';
import type { ImportStream } from '../contracts';
import { fetchVendorJson } from '../http';
import { classifyMetaError } from '../meta/import';
import type { MetaPagesCredentials } from './credentials';
import { normaliseSocialInsightsDay } from './normalise';
import { graphInsightsResponseSchema, type GraphInsightsResponse } from './schemas';

const VENDOR = 'meta_pages';
export const META_PAGES_STREAM = 'page_insights';

/** Page Insights metrics (period=day). page_follows is the follower total; the daily follows/unfollows give the change. */
export const FACEBOOK_PAGE_METRICS = ['page_impressions_unique', 'page_impressions', 'page_post_engagements', 'page_follows', 'page_daily_follows_unique', 'page_daily_unfollows_unique'] as const;
/** Instagram user insights read as one total per day (metric_type=total_value). */
export const INSTAGRAM_TOTAL_METRICS = ['reach', 'views', 'total_interactions'] as const;
/** Instagram's follower_count is a daily time series (new followers that day). */
export const INSTAGRAM_SERIES_METRICS = ['follower_count'] as const;

/** The day a daily value belongs to: the Pacific-time day that ends at end_time (07:00 or 08:00 UTC), so 12 hours before it. */
export function dayOfEndTime(endTime: string): string | null {
  const time = Date.parse(endTime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(time)) return null;
  return new Date(time - 12 * 3600_000).toISOString().slice(0, 10);
}

export function createMetaPagesStream(credentials: MetaPagesCredentials, options: AdReportStreamOptions = {}): ImportStream<AdReportCursor> {
  const accounts = [...credentials.facebookPageIds.map((id) => `facebook:${id}`), ...credentials.instagramAccountIds.map((id) => `instagram:${id}`)];

  const insights = async (id: string, params: Record<string, string>): Promise<GraphInsightsResponse> => {
    const url = new URL(`${credentials.apiBaseUrl}/${credentials.apiVersion}/${id}/insights`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetchVendorJson({ vendor: VENDOR, url, headers: { authorization: `Bearer ${credentials.accessToken}` }, timeoutMs: 60_000, classifyError: classifyMetaError }, graphInsightsResponseSchema);
    return response.data;
  };

  return createAdReportStream(
    {
      vendor: VENDOR,
      stream: META_PAGES_STREAM,
      accounts,
      defaultWindowDays: 1,
      maxWindowDays: 1,
      normalise: normaliseSocialInsightsDay,
      async fetchWindowPage(request: AdReportRequest): Promise<AdReportWindowPage> {
        const [platform, id] = request.accountId.split(':') as ['facebook' | 'instagram', string];
        const day = request.start;
        const range = { period: 'day', since: day, until: addDays(day, 1) };
        const metrics: Record<string, unknown> = {};
        const series = (answer: GraphInsightsResponse): void => {
          for (const m of answer.data) for (const v of m.values ?? []) if (v.end_time !== undefined && dayOfEndTime(v.end_time) === day) metrics[m.name] = v.value;
        };
        if (platform === 'facebook') {
          series(await insights(id, { metric: FACEBOOK_PAGE_METRICS.join(','), ...range }));
        } else {
          const totals = await insights(id, { metric: INSTAGRAM_TOTAL_METRICS.join(','), metric_type: 'total_value', ...range });
          for (const m of totals.data) if (m.total_value !== undefined) metrics[m.name] = m.total_value.value;
          series(await insights(id, { metric: INSTAGRAM_SERIES_METRICS.join(','), ...range }));
        }
        // Nothing reported for the day (a new Page, or a day Meta has not processed yet): no row.
        const rows = Object.keys(metrics).length === 0 ? [] : [{ platform, account_id: id, day, metrics }];
        return { rows, nextPage: null };
      },
    },
    { ...options, lookbackDays: options.lookbackDays ?? 3 },
  );
}
