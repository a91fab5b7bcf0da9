// The normalised organic-channel rows: Google Search Console search analytics (one row per site, search
// type, day and query × page, or per day and search appearance) and social account days (Facebook Page,
// Instagram professional account, X account). integrations/gsc, integrations/meta-pages and integrations/x
// map the vendors' answers to these (pure mapping); activities/organic/save-organic.ts upserts them into
// search_console_daily and social_page_daily (migration 0016) on their natural keys, so a re-read day (the
// lookback for late data) replaces its rows instead of adding to them.
import { createHash } from 'node:crypto';
import { z } from 'zod';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const id = z.string().trim().min(1).max(200);

/** 'query_page': a (date, query, page) row; 'search_appearance': a (date, searchAppearance) row (GSC reports it apart). */
export const SEARCH_CONSOLE_GRAINS = ['query_page', 'search_appearance'] as const;
export type SearchConsoleGrain = (typeof SEARCH_CONSOLE_GRAINS)[number];

export const searchConsoleRowSchema = z
  .object({
    /** The Search Console property, as configured: "https://example.com/" or "sc-domain:example.com". */
    siteUrl: z.string().min(1).max(500),
    /** web, image, video, news, discover, googleNews (the request's `type`). */
    searchType: z.string().min(1).max(20),
    /** Pacific-time day, as Search Console reports it. */
    day,
    grain: z.enum(SEARCH_CONSOLE_GRAINS),
    /** Kept in full (queries can be very long); the key uses a hash of it. null at grain search_appearance. */
    query: z.string().max(10_000).nullable(),
    page: z.string().max(10_000).nullable(),
    /** e.g. AMP_BLUE_LINK, RICHCARD, AI overview appearances: as Google names them. null at grain query_page. */
    searchAppearance: z.string().max(200).nullable(),
    clicks: count,
    impressions: count,
    /** As reported: clicks / impressions (0..1). Sums over rows recompute it from clicks and impressions. */
    ctr: z.number().min(0).max(1),
    /** Average top position (1 = first); sums weight it by impressions. */
    position: z.number().min(0),
    /** The day was still incomplete when read (dataState all, on or after metadata.first_incomplete_date). */
    fresh: z.boolean(),
  })
  .refine((r) => (r.grain === 'query_page' ? r.query !== null && r.page !== null && r.searchAppearance === null : r.searchAppearance !== null && r.query === null && r.page === null), {
    message: 'a query_page row needs query and page and no search appearance; a search_appearance row the reverse',
    path: ['grain'],
  });
export type SearchConsoleRow = z.infer<typeof searchConsoleRowSchema>;

/** The natural key's hash of a row's dimensions (query and page can be longer than a btree entry allows). */
export function searchConsoleDimensionKey(row: Pick<SearchConsoleRow, 'grain' | 'query' | 'page' | 'searchAppearance'>): string {
  return createHash('sha256').update(JSON.stringify([row.grain, row.query, row.page, row.searchAppearance])).digest('hex');
}

export const SOCIAL_PLATFORMS = ['facebook', 'instagram', 'x'] as const;
export type SocialPlatform = (typeof SOCIAL_PLATFORMS)[number];

/** A metric the platform does not report for this account/day is null, never 0. */
const metric = count.nullable();

export const socialPageDaySchema = z.object({
  platform: z.enum(SOCIAL_PLATFORMS),
  /** Facebook Page id, Instagram user id, X user id. */
  accountId: id,
  day,
  /** Unique accounts reached (Facebook page_impressions_unique, Instagram reach); X reports none. */
  reach: metric,
  /** Times content was shown (Facebook page_impressions, Instagram views, X impression_count). */
  impressions: metric,
  /** Interactions (Facebook page_post_engagements, Instagram total_interactions, X likes + replies + reposts + quotes + bookmarks). */
  engagements: metric,
  /** Followers at the end of the day, where reported (Facebook page_follows). */
  followers: metric,
  /** Followers gained minus lost that day (Facebook), or gained (Instagram follower_count); may be negative. */
  followerDelta: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullable(),
  /** X: posts published that day whose metrics are counted; null elsewhere. */
  posts: metric,
});
export type SocialPageDay = z.infer<typeof socialPageDaySchema>;
