// A TikTok integrated-report row (AUCTION_AD by ad_id and stat_time_day) → AdSpendRow. Pure; never throws.
import { isDay } from '../../lib/ads/days';
import { decimalToMicros, microsToMinor, parseMicros } from '../../lib/ads/money';
import { adSpendRowSchema } from '../../lib/ads/records';
import type { NormaliseResult } from '../../lib/commerce/records';
import { describeIssues } from '../../lib/zod-issues';
import { tiktokReportRowSchema } from './schemas';

export function normaliseTikTokReportRow(raw: unknown): NormaliseResult {
  const parsed = tiktokReportRowSchema.safeParse(raw);
  if (!parsed.success) return reject(raw, `not a TikTok ad report row: ${describeIssues(parsed.error).join('; ')}`);
  const { advertiser_id: accountId, dimensions, metrics } = parsed.data;
  const day = dimensions.stat_time_day.slice(0, 10);
  if (!isDay(day)) return reject(raw, `dimensions.stat_time_day: not a real day: ${JSON.stringify(dimensions.stat_time_day)}`);
  let spendMicros: number;
  let impressions: number;
  let clicks: number;
  try {
    spendMicros = decimalToMicros(metrics.spend);
  } catch (error) {
    return reject(raw, `metrics.spend: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    impressions = parseMicros(metrics.impressions);
    clicks = parseMicros(metrics.clicks);
  } catch (error) {
    return reject(raw, `metrics: ${error instanceof Error ? error.message : String(error)}`);
  }
  const checked = adSpendRowSchema.safeParse({
    platform: 'tiktok',
    accountId,
    day,
    level: 'ad',
    campaignId: metrics.campaign_id,
    campaignName: metrics.campaign_name ?? null,
    adGroupId: metrics.adgroup_id,
    adGroupName: metrics.adgroup_name ?? null,
    adId: dimensions.ad_id,
    adName: metrics.ad_name ?? null,
    // A TikTok ad is one creative (its video/image and text); the report names it by the ad id.
    creativeId: dimensions.ad_id,
    currency: metrics.currency,
    spendMicros,
    spendMinor: microsToMinor(spendMicros, metrics.currency).minor,
    impressions,
    clicks,
    accountTimeZone: null,
  });
  if (!checked.success) return reject(raw, describeIssues(checked.error).join('; '));
  return { ok: true, records: [{ kind: 'ad_spend', adSpend: checked.data }] };
}

function reject(raw: unknown, reason: string): NormaliseResult {
  return { ok: false, rejected: { externalId: readableId(raw), reason, raw } };
}

function readableId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { advertiser_id: account, dimensions } = raw as { advertiser_id?: unknown; dimensions?: { ad_id?: unknown; stat_time_day?: unknown } };
  const ad = dimensions?.ad_id;
  const day = dimensions?.stat_time_day;
  if (typeof account !== 'string' || typeof ad !== 'string' || typeof day !== 'string') return null;
  const id = `${account}:${ad}:${day.slice(0, 10)}`;
  return id.length <= 200 ? id : null;
}
