// Stores normalised ad-spend rows (lib/ads/records.ts) inside the caller's tenant transaction, as one
// multi-row upsert on the natural key (company, platform, account, day, level, ad or campaign id). A
// re-read day (the import's lookback for late corrections) overwrites its rows with the platform's newest
// numbers; a retried page changes nothing. Rows that the platform no longer reports for a re-read day (an
// ad whose whole day was refunded to zero and dropped from the report) are kept as they were: see
// docs/integrations/ad-spend.md.
import { sql } from 'slonik';
import type { AdSpendRow } from '../../lib/ads/records';
import type { TenantTransaction } from '../../lib/db/tenant';

/** Upserts `rows`; returns how many were written. Duplicate keys inside one batch: the last one wins. */
export async function saveAdSpendRows(tx: TenantTransaction, companyId: string, rows: readonly AdSpendRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  // ON CONFLICT cannot touch one row twice in a statement: keep the last row per key.
  const byKey = new Map<string, AdSpendRow>();
  for (const row of rows) byKey.set(JSON.stringify([row.platform, row.accountId, row.day, row.level, row.adId ?? row.campaignId]), row);
  const unique = [...byKey.values()];
  await tx.query(sql.unsafe`
    INSERT INTO ad_spend AS s (company_id, platform, account_id, day, level, campaign_id, campaign_name, ad_group_id, ad_group_name,
      ad_id, ad_name, creative_id, currency, spend_micros, spend_minor, impressions, clicks, account_time_zone)
    SELECT ${companyId}, r.platform, r."accountId", r.day, r.level, r."campaignId", r."campaignName", r."adGroupId", r."adGroupName",
      r."adId", r."adName", r."creativeId", r.currency, r."spendMicros", r."spendMinor", r.impressions, r.clicks, r."accountTimeZone"
    FROM jsonb_to_recordset(${JSON.stringify(unique)}::jsonb) AS r(platform text, "accountId" text, day date, level text,
      "campaignId" text, "campaignName" text, "adGroupId" text, "adGroupName" text, "adId" text, "adName" text, "creativeId" text,
      currency text, "spendMicros" bigint, "spendMinor" bigint, impressions bigint, clicks bigint, "accountTimeZone" text)
    ON CONFLICT (company_id, platform, account_id, day, level, entity_id) DO UPDATE SET
      campaign_id = EXCLUDED.campaign_id, campaign_name = EXCLUDED.campaign_name, ad_group_id = EXCLUDED.ad_group_id,
      ad_group_name = EXCLUDED.ad_group_name, ad_name = EXCLUDED.ad_name, creative_id = EXCLUDED.creative_id,
      currency = EXCLUDED.currency, spend_micros = EXCLUDED.spend_micros, spend_minor = EXCLUDED.spend_minor,
      impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks, account_time_zone = EXCLUDED.account_time_zone,
      updated_at = now()
    -- an unchanged re-read leaves the row (and its updated_at) alone
    WHERE (s.campaign_name, s.ad_group_id, s.ad_group_name, s.ad_name, s.creative_id, s.currency, s.spend_micros, s.impressions,
           s.clicks, s.account_time_zone)
      IS DISTINCT FROM (EXCLUDED.campaign_name, EXCLUDED.ad_group_id, EXCLUDED.ad_group_name, EXCLUDED.ad_name, EXCLUDED.creative_id,
           EXCLUDED.currency, EXCLUDED.spend_micros, EXCLUDED.impressions, EXCLUDED.clicks, EXCLUDED.account_time_zone)`);
  return unique.length;
}
