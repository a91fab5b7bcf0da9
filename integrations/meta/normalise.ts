// A Meta insights row (level=ad, time_increment=1) → AdSpendRow. Pure; never throws.
import { isDay } from '../../lib/ads/days';
import { decimalToMicros, microsToMinor, parseMicros } from '../../lib/ads/money';
import { adSpendRowSchema } from '../../lib/ads/records';
import type { NormaliseResult } from '../../lib/commerce/records';
import { describeIssues } from '../../lib/zod-issues';
import { metaInsightsRowSchema } from './schemas';

export function normaliseMetaInsightsRow(raw: unknown): NormaliseResult {
  const parsed = metaInsightsRowSchema.safeParse(raw);
  if (!parsed.success) return reject(raw, `not a Meta ad insights row: ${describeIssues(parsed.error).join('; ')}`);
  const row = parsed.data;
  if (!isDay(row.date_start)) return reject(raw, `date_start: not a real day: ${JSON.stringify(row.date_start)}`);
  // time_increment=1 makes every row one day; anything else would be a multi-day total counted as one day.
  if (row.date_stop !== row.date_start) return reject(raw, `date_start ${row.date_start} and date_stop ${row.date_stop} differ: expected one day per row (time_increment=1)`);
  let spendMicros: number;
  let impressions: number;
  let clicks: number;
  try {
    spendMicros = decimalToMicros(row.spend);
  } catch (error) {
    return reject(raw, `spend: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    impressions = parseMicros(row.impressions);
    clicks = parseMicros(row.clicks);
  } catch (error) {
    return reject(raw, `impressions/clicks: ${error instanceof Error ? error.message : String(error)}`);
  }
  const currency = row.account_currency;
  const checked = adSpendRowSchema.safeParse({
    platform: 'meta',
    accountId: row.account_id,
    day: row.date_start,
    level: 'ad',
    campaignId: row.campaign_id,
    campaignName: row.campaign_name ?? null,
    adGroupId: row.adset_id,
    adGroupName: row.adset_name ?? null,
    adId: row.ad_id,
    adName: row.ad_name ?? null,
    // Insights do not carry the creative; it is a field of the ad (GET /{ad_id}?fields=creative).
    creativeId: null,
    currency,
    spendMicros,
    spendMinor: microsToMinor(spendMicros, currency).minor,
    impressions,
    clicks,
    // Meta reports days in the ad account's time zone, which insights rows do not name.
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
  const { account_id: account, ad_id: ad, date_start: day } = raw as Record<string, unknown>;
  if (typeof account !== 'string' || typeof ad !== 'string' || typeof day !== 'string') return null;
  const id = `${account}:${ad}:${day}`;
  return id.length <= 200 ? id : null;
}
