// Stores normalised organic rows (lib/organic/records.ts) inside the caller's tenant transaction, as one
// multi-row upsert per table on the natural key: search_console_daily on (company, site, search type, day,
// dimension key), social_page_daily on (company, platform, account, day). A re-read day (the lookback)
// overwrites its rows with the vendor's newest numbers; a retried page changes nothing.
import { sql } from 'slonik';
import type { TenantTransaction } from '../../lib/db/tenant';
import { searchConsoleDimensionKey, type SearchConsoleRow, type SocialPageDay } from '../../lib/organic/records';

/** Upserts `rows`; returns how many distinct rows were written. Duplicate keys in one batch: the last wins. */
export async function saveSearchConsoleRows(tx: TenantTransaction, companyId: string, rows: readonly SearchConsoleRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const byKey = new Map<string, SearchConsoleRow & { dimensionKey: string }>();
  for (const row of rows) {
    const dimensionKey = searchConsoleDimensionKey(row);
    byKey.set(JSON.stringify([row.siteUrl, row.searchType, row.day, dimensionKey]), { ...row, dimensionKey });
  }
  const unique = [...byKey.values()];
  await tx.query(sql.unsafe`
    INSERT INTO search_console_daily AS s (company_id, site_url, search_type, day, dimension_key, grain, query, page, search_appearance,
      clicks, impressions, ctr, position, fresh)
    SELECT ${companyId}, r."siteUrl", r."searchType", r.day, r."dimensionKey", r.grain, r.query, r.page, r."searchAppearance",
      r.clicks, r.impressions, r.ctr, r.position, r.fresh
    FROM jsonb_to_recordset(${JSON.stringify(unique)}::jsonb) AS r("siteUrl" text, "searchType" text, day date, "dimensionKey" text,
      grain text, query text, page text, "searchAppearance" text, clicks bigint, impressions bigint, ctr double precision,
      position double precision, fresh boolean)
    ON CONFLICT (company_id, site_url, search_type, day, dimension_key) DO UPDATE SET
      clicks = EXCLUDED.clicks, impressions = EXCLUDED.impressions, ctr = EXCLUDED.ctr, position = EXCLUDED.position,
      fresh = EXCLUDED.fresh, updated_at = now()
    -- an unchanged re-read leaves the row (and its updated_at) alone
    WHERE (s.clicks, s.impressions, s.ctr, s.position, s.fresh) IS DISTINCT FROM (EXCLUDED.clicks, EXCLUDED.impressions, EXCLUDED.ctr, EXCLUDED.position, EXCLUDED.fresh)`);
  return unique.length;
}

/**
 * Upserts social account days. A metric the new read does not report (null) keeps the stored value: X's
 * follower count is a snapshot taken on the day itself, and a later re-read of that day cannot know it.
 */
export async function saveSocialPageDays(tx: TenantTransaction, companyId: string, days: readonly SocialPageDay[]): Promise<number> {
  if (days.length === 0) return 0;
  const byKey = new Map<string, SocialPageDay>();
  for (const d of days) byKey.set(JSON.stringify([d.platform, d.accountId, d.day]), d);
  const unique = [...byKey.values()];
  await tx.query(sql.unsafe`
    INSERT INTO social_page_daily AS s (company_id, platform, account_id, day, reach, impressions, engagements, followers, follower_delta, posts)
    SELECT ${companyId}, r.platform, r."accountId", r.day, r.reach, r.impressions, r.engagements, r.followers, r."followerDelta", r.posts
    FROM jsonb_to_recordset(${JSON.stringify(unique)}::jsonb) AS r(platform text, "accountId" text, day date, reach bigint,
      impressions bigint, engagements bigint, followers bigint, "followerDelta" bigint, posts bigint)
    ON CONFLICT (company_id, platform, account_id, day) DO UPDATE SET
      reach = coalesce(EXCLUDED.reach, s.reach), impressions = coalesce(EXCLUDED.impressions, s.impressions),
      engagements = coalesce(EXCLUDED.engagements, s.engagements), followers = coalesce(EXCLUDED.followers, s.followers),
      follower_delta = coalesce(EXCLUDED.follower_delta, s.follower_delta), posts = coalesce(EXCLUDED.posts, s.posts), updated_at = now()
    WHERE (s.reach, s.impressions, s.engagements, s.followers, s.follower_delta, s.posts)
      IS DISTINCT FROM (coalesce(EXCLUDED.reach, s.reach), coalesce(EXCLUDED.impressions, s.impressions), coalesce(EXCLUDED.engagements, s.engagements),
        coalesce(EXCLUDED.followers, s.followers), coalesce(EXCLUDED.follower_delta, s.follower_delta), coalesce(EXCLUDED.posts, s.posts))`);
  return unique.length;
}
