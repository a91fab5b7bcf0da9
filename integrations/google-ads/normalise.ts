// A Google Ads searchStream row (ad_group_ad by segments.date) → AdSpendRow. Pure; never throws: a row
// that cannot be read becomes a RejectedRow naming the field.
import { isDay } from '../../lib/ads/days';
import { microsToMinor, parseMicros } from '../../lib/ads/money';
import { adSpendRowSchema } from '../../lib/ads/records';
import type { NormaliseResult } from '../../lib/commerce/records';
import { describeIssues } from '../../lib/zod-issues';
import { googleAdsRowSchema } from './schemas';

export function normaliseGoogleAdsRow(raw: unknown): NormaliseResult {
  const parsed = googleAdsRowSchema.safeParse(raw);
  if (!parsed.success) return reject(raw, `not a Google Ads ad_group_ad row: ${describeIssues(parsed.error).join('; ')}`);
  const row = parsed.data;
  if (!isDay(row.segments.date)) return reject(raw, `segments.date: not a real day: ${JSON.stringify(row.segments.date)}`);
  let spendMicros: number;
  let clicks: number;
  let impressions: number;
  try {
    spendMicros = parseMicros(row.metrics.costMicros);
    clicks = parseMicros(row.metrics.clicks);
    impressions = parseMicros(row.metrics.impressions);
  } catch (error) {
    return reject(raw, `metrics: ${error instanceof Error ? error.message : String(error)}`);
  }
  const currency = row.customer.currencyCode;
  const adId = row.adGroupAd.ad.id;
  const candidate = {
    platform: 'google_ads' as const,
    accountId: row.customer.id,
    day: row.segments.date,
    level: 'ad' as const,
    campaignId: row.campaign.id,
    campaignName: row.campaign.name ?? null,
    adGroupId: row.adGroup.id,
    adGroupName: row.adGroup.name ?? null,
    // One ad (ad.id) can serve in several ad groups; the ad group ad is the unit that has a day's spend,
    // spelled as in its resource name (customers/{cid}/adGroupAds/{adGroupId}~{adId}).
    adId: `${row.adGroup.id}~${adId}`,
    adName: row.adGroupAd.ad.name ?? null,
    // In Google Ads the ad *is* the creative.
    creativeId: adId,
    currency,
    spendMicros,
    spendMinor: microsToMinor(spendMicros, currency).minor,
    impressions,
    clicks,
    accountTimeZone: row.customer.timeZone ?? null,
  };
  const checked = adSpendRowSchema.safeParse(candidate);
  if (!checked.success) return reject(raw, describeIssues(checked.error).join('; '));
  return { ok: true, records: [{ kind: 'ad_spend', adSpend: checked.data }] };
}

function reject(raw: unknown, reason: string): NormaliseResult {
  return { ok: false, rejected: { externalId: readableId(raw), reason, raw } };
}

/** `${customer}:${adGroup}~${ad}:${date}` of an unreadable row, as far as it can be read. */
function readableId(raw: unknown): string | null {
  const at = (path: string[]): unknown => path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), raw);
  const parts = [at(['customer', 'id']), at(['adGroup', 'id']), at(['adGroupAd', 'ad', 'id']), at(['segments', 'date'])];
  if (parts.some((p) => typeof p !== 'string' || p === '' || p.length > 50)) return null;
  const [customer, adGroup, ad, date] = parts as string[];
  return `${customer}:${adGroup}~${ad}:${date}`;
}
