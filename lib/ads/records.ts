// The normalised ad-spend row every ad platform integration (Google Ads, Meta, TikTok) produces: one row
// per (platform, ad account, day, ad), or per campaign when the platform reports no ad. integrations/<vendor>
// maps the vendor's report rows to this (pure mapping); activities/ads/save-ad-spend.ts upserts it into
// ad_spend (migration 0007), keyed on (company, platform, account, day, level, ad or campaign id), so a
// re-read day (the lookback for late corrections) replaces its rows instead of adding to them.
//
// Money: spendMicros is the vendor's amount exactly, in millionths of the account currency (Google sends
// cost_micros; Meta and TikTok decimal strings, converted digit by digit). spendMinor is the same amount in
// integer minor units (cents), rounded half-up only when the vendor's amount has more precision than the
// currency's minor unit (lib/ads/money.ts). Both are integers; no float ever touches them.
import { z } from 'zod';

export const AD_PLATFORMS = ['google_ads', 'meta', 'tiktok'] as const;
export type AdPlatform = (typeof AD_PLATFORMS)[number];

/** 'ad': the row is one ad's day; 'campaign': a campaign's day where the platform reports no ads (e.g. Performance Max). */
export const AD_SPEND_LEVELS = ['ad', 'campaign'] as const;

const id = z.string().trim().min(1).max(200);
const name = z.string().max(1000).nullable();
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const adSpendRowSchema = z
  .object({
    platform: z.enum(AD_PLATFORMS),
    /** Google Ads customer id (digits, no dashes), Meta ad account id (no act_ prefix), TikTok advertiser id. */
    accountId: id,
    /** The platform's reporting day, YYYY-MM-DD, in the ad account's time zone (accountTimeZone when known). */
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
    level: z.enum(AD_SPEND_LEVELS),
    campaignId: id,
    campaignName: name,
    /** Google ad group, Meta ad set, TikTok ad group. */
    adGroupId: id.nullable(),
    adGroupName: name,
    /** null at level 'campaign'. Google: `${adGroupId}~${adId}` (an ad can be shared by ad groups). */
    adId: id.nullable(),
    adName: name,
    /** The creative shown: Google's ad id, TikTok's ad id; null when the report does not say (Meta). */
    creativeId: id.nullable(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code in capitals'),
    spendMicros: count,
    spendMinor: count,
    impressions: count,
    clicks: count,
    /** IANA zone of the ad account's reporting day, when the platform reports it (Google does). */
    accountTimeZone: z.string().max(100).nullable(),
  })
  .refine((row) => (row.level === 'ad') === (row.adId !== null), { message: 'an ad-level row needs an ad id, a campaign-level row must not have one', path: ['adId'] });
export type AdSpendRow = z.infer<typeof adSpendRowSchema>;
