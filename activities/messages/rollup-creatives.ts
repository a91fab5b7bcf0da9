// rollupCreativesDay: one company-local day of creative analytics, in one transaction:
//   1. creatives: upserted from the day's ad_spend rows (platform, creative id or ad id, name, concept angle,
//      first day with impressions) and from the day's events that name a creative no ad platform reported
//      (platform 'web'; snippet creative_id, properties.creative_id or utm_content);
//   2. agg_daily_creatives for the day (DELETE + INSERT … SELECT): impressions, clicks and spend (reporting
//      currency) from ad_spend, sessions and purchases from events, days since first impression and
//      cumulative impressions;
//   3. creative_fatigue for every creative served that day: lib/creatives/fatigue.ts over the creative's
//      daily series up to the day (from ad_spend, the source of truth, so the result does not depend on
//      which days were rolled up before), and the CTR decay slope (lib/creatives/decay.ts).
// docs/creatives.md. Run twice, it writes identical rows.
import { sql, type IdentifierSqlToken } from 'slonik';
import { z } from 'zod';
import { ctrDecay } from '../../lib/creatives/decay';
import { DEFAULT_FATIGUE_PARAMS, evaluateFatigue, validateFatigueParams, type FatigueParams } from '../../lib/creatives/fatigue';
import type { TenantTransaction } from '../../lib/db/tenant';

const countRow = z.object({ n: z.coerce.number() });

/** companies.settings.creative_fatigue may override any threshold (docs/creatives.md). */
export const fatigueParamsSchema = z
  .object({
    windowDays: z.number().int().min(1).max(60),
    dropShare: z.number().gt(0).lt(1),
    minWindowImpressions: z.number().int().min(1),
    minCumulativeImpressions: z.number().int().min(0),
    minZ: z.number().min(0),
    confirmDays: z.number().int().min(1).max(30),
  })
  .partial()
  .strict();

/** Days with fewer impressions are left out of the decay slope. */
export const DECAY_MIN_DAILY_IMPRESSIONS = 100;

// creative key of an event: the snippet's creative_id, properties.creative_id, else the landing URL's utm_content
const EVENT_CREATIVE = sql.fragment`coalesce(e.creative_id, nullif(e.properties ->> 'creative_id', ''), nullif(e.context #>> '{utm,content}', ''))`;

const seriesRow = z.object({ platform: z.string(), creative_id: z.string(), first_seen_on: z.string(), day: z.string(), impressions: z.coerce.number(), clicks: z.coerce.number() });
const settingsRow = z.object({ settings: z.unknown() });

export async function loadFatigueParams(tx: TenantTransaction, companyId: string, override?: Partial<FatigueParams>): Promise<FatigueParams> {
  const row = await tx.one(sql.type(settingsRow)`SELECT settings -> 'creative_fatigue' AS settings FROM companies WHERE company_id = ${companyId}`);
  const fromSettings = row.settings === null ? {} : fatigueParamsSchema.parse(row.settings);
  return validateFatigueParams({ ...DEFAULT_FATIGUE_PARAMS, ...fromSettings, ...override });
}

export async function rollupCreativesDaySql(tx: TenantTransaction, companyId: string, day: string, paramsOverride?: Partial<FatigueParams>): Promise<Record<string, number>> {
  const params = await loadFatigueParams(tx, companyId, paramsOverride);
  const bounds = sql.fragment`
    SELECT (${day}::date::timestamp AT TIME ZONE c.time_zone) AS day_start, ((${day}::date + 1)::timestamp AT TIME ZONE c.time_zone) AS day_end
    FROM companies c WHERE c.company_id = ${companyId}`;
  // The day's raw events by their index range (raw_events_company_occurred_idx): the bounds as scalar
  // subqueries of b (one-time InitPlans, i.e. parameters of the index condition). Joined to b as a row
  // (`FROM raw_events e, b`) the bounds were a join filter, and every day's rollup read the company's
  // whole history sequentially: 6–8 s a day at 10M events, most of a 90-day backfill (docs/benchmarks.md
  // § Scale, run 4).
  const inDay = (alias: IdentifierSqlToken) => sql.fragment`${alias}.occurred_at >= (SELECT day_start FROM b) AND ${alias}.occurred_at < (SELECT day_end FROM b)`;

  // section: 1. creatives
  const fromAds = await tx.oneFirst(sql.type(countRow)`
    WITH active AS (
      SELECT DISTINCT platform, coalesce(creative_id, ad_id) AS creative_id FROM ad_spend
      WHERE company_id = ${companyId} AND day = ${day}::date AND level = 'ad'
    ),
    summary AS (
      SELECT a.platform, coalesce(a.creative_id, a.ad_id) AS creative_id,
        (array_agg(a.ad_id ORDER BY a.day DESC))[1] AS ad_id,
        (array_agg(a.ad_name ORDER BY a.day DESC) FILTER (WHERE a.ad_name IS NOT NULL))[1] AS name,
        (array_agg(a.concept_angle ORDER BY a.day DESC) FILTER (WHERE a.concept_angle IS NOT NULL))[1] AS concept_angle,
        coalesce(min(a.day) FILTER (WHERE a.impressions > 0), min(a.day)) AS first_seen_on
      FROM ad_spend a JOIN active USING (platform)
      WHERE a.company_id = ${companyId} AND a.level = 'ad' AND coalesce(a.creative_id, a.ad_id) = active.creative_id
      GROUP BY 1, 2
    ),
    upserted AS (
      INSERT INTO creatives AS c (company_id, platform, creative_id, ad_id, name, concept_angle, first_seen_on)
      SELECT ${companyId}, platform, creative_id, ad_id, name, concept_angle, first_seen_on FROM summary
      ON CONFLICT (company_id, platform, creative_id) DO UPDATE SET ad_id = EXCLUDED.ad_id, name = coalesce(EXCLUDED.name, c.name),
        concept_angle = coalesce(EXCLUDED.concept_angle, c.concept_angle), first_seen_on = least(c.first_seen_on, EXCLUDED.first_seen_on),
        updated_at = now()
      RETURNING 1
    )
    SELECT count(*) AS n FROM upserted`);
  const fromEvents = await tx.oneFirst(sql.type(countRow)`
    WITH b AS (${bounds}),
    seen AS (
      SELECT ${EVENT_CREATIVE} AS creative_id, (array_agg(coalesce(e.concept_angle, nullif(e.properties ->> 'concept_angle', '')) ORDER BY e.occurred_at)
        FILTER (WHERE coalesce(e.concept_angle, nullif(e.properties ->> 'concept_angle', '')) IS NOT NULL))[1] AS concept_angle
      FROM raw_events e
      WHERE e.company_id = ${companyId} AND ${inDay(sql.identifier(['e']))} AND ${EVENT_CREATIVE} IS NOT NULL
      GROUP BY 1
    ),
    upserted AS (
      INSERT INTO creatives AS c (company_id, platform, creative_id, concept_angle, first_seen_on)
      SELECT ${companyId}, 'web', left(s.creative_id, 200), s.concept_angle, ${day}::date FROM seen s
      WHERE NOT EXISTS (SELECT 1 FROM creatives x WHERE x.company_id = ${companyId} AND x.creative_id = s.creative_id AND x.platform <> 'web')
      ON CONFLICT (company_id, platform, creative_id) DO UPDATE SET concept_angle = coalesce(c.concept_angle, EXCLUDED.concept_angle),
        first_seen_on = least(c.first_seen_on, EXCLUDED.first_seen_on), updated_at = now()
      RETURNING 1
    )
    SELECT count(*) AS n FROM upserted`);

  // section: 2. the day's rows
  await tx.query(sql.unsafe`DELETE FROM agg_daily_creatives WHERE company_id = ${companyId} AND day = ${day}::date`);
  const rows = await tx.oneFirst(sql.type(countRow)`
    WITH b AS (${bounds}),
    ads AS (
      SELECT r.platform, coalesce(r.creative_id, r.ad_id) AS creative_id, sum(r.impressions) AS impressions, sum(r.clicks) AS clicks,
        coalesce(sum(r.spend_reporting_minor), 0) AS spend, count(*) FILTER (WHERE r.fx_rate_missing) AS fx_missing, min(r.reporting_currency) AS currency
      FROM ad_spend_reporting r
      WHERE r.company_id = ${companyId} AND r.day = ${day}::date AND r.level = 'ad'
      GROUP BY 1, 2
    ),
    -- section: sessions and purchases from events naming a creative
    event_sessions AS (
      SELECT DISTINCT ${EVENT_CREATIVE} AS creative_id, e.session_id
      FROM raw_events e
      WHERE e.company_id = ${companyId} AND e.session_id IS NOT NULL AND ${inDay(sql.identifier(['e']))}
        AND ${EVENT_CREATIVE} IS NOT NULL
    ),
    purchases AS (
      SELECT k.creative_id, count(DISTINCT p.event_id) AS purchases
      FROM raw_events p, LATERAL (
        SELECT DISTINCT ${EVENT_CREATIVE} AS creative_id FROM raw_events e
        WHERE e.company_id = p.company_id AND e.session_id = p.session_id AND ${EVENT_CREATIVE} IS NOT NULL
      ) k
      WHERE p.company_id = ${companyId} AND p.event_name = 'purchase' AND p.session_id IS NOT NULL
        AND ${inDay(sql.identifier(['p']))}
      GROUP BY 1
    ),
    web AS (
      SELECT creative_id, count(DISTINCT session_id) AS sessions FROM event_sessions GROUP BY 1
    ),
    web_metrics AS (
      SELECT coalesce(w.creative_id, p.creative_id) AS creative_id, coalesce(w.sessions, 0) AS sessions, coalesce(p.purchases, 0) AS purchases
      FROM web w FULL JOIN purchases p USING (creative_id)
    ),
    keys AS (
      SELECT platform, creative_id FROM ads
      UNION
      SELECT c.platform, c.creative_id FROM creatives c JOIN web_metrics m USING (creative_id) WHERE c.company_id = ${companyId}
    ),
    final AS (
      SELECT k.platform, k.creative_id, c.concept_angle, coalesce(a.impressions, 0) AS impressions, coalesce(a.clicks, 0) AS clicks,
        coalesce(a.spend, 0) AS spend, coalesce(a.fx_missing, 0) AS fx_missing, coalesce(m.sessions, 0) AS sessions,
        coalesce(m.purchases, 0) AS purchases, greatest(${day}::date - c.first_seen_on, 0) AS days_since_first,
        (SELECT coalesce(sum(x.impressions), 0) FROM ad_spend x
         WHERE x.company_id = ${companyId} AND x.platform = k.platform AND x.level = 'ad' AND coalesce(x.creative_id, x.ad_id) = k.creative_id
           AND x.day <= ${day}::date) AS cumulative_impressions
      FROM keys k
      JOIN creatives c ON c.company_id = ${companyId} AND c.platform = k.platform AND c.creative_id = k.creative_id
      LEFT JOIN ads a ON a.platform = k.platform AND a.creative_id = k.creative_id
      LEFT JOIN web_metrics m ON m.creative_id = k.creative_id
    ),
    inserted AS (
      INSERT INTO agg_daily_creatives (company_id, day, platform, creative_id, concept_angle, impressions, clicks, spend_reporting_minor,
        spend_fx_missing, sessions, purchases, days_since_first, cumulative_impressions, currency)
      SELECT ${companyId}, ${day}::date, f.platform, f.creative_id, f.concept_angle, f.impressions, f.clicks, f.spend, f.fx_missing, f.sessions,
        f.purchases, f.days_since_first, f.cumulative_impressions, co.reporting_currency
      FROM final f, companies co WHERE co.company_id = ${companyId}
      RETURNING 1
    )
    SELECT count(*) AS n FROM inserted`);

  // section: 3. fatigue of the creatives served that day
  const series = await tx.any(sql.type(seriesRow)`
    WITH active AS (
      SELECT DISTINCT platform, coalesce(creative_id, ad_id) AS creative_id FROM ad_spend
      WHERE company_id = ${companyId} AND day = ${day}::date AND level = 'ad' AND impressions > 0
    )
    SELECT a.platform, coalesce(a.creative_id, a.ad_id) AS creative_id, c.first_seen_on::text AS first_seen_on, a.day::text AS day,
      sum(a.impressions) AS impressions, sum(a.clicks) AS clicks
    FROM ad_spend a
    JOIN active k ON k.platform = a.platform AND k.creative_id = coalesce(a.creative_id, a.ad_id)
    JOIN creatives c ON c.company_id = a.company_id AND c.platform = a.platform AND c.creative_id = k.creative_id
    WHERE a.company_id = ${companyId} AND a.level = 'ad' AND a.day <= ${day}::date
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 4`);
  const byCreative = new Map<string, z.infer<typeof seriesRow>[]>();
  for (const row of series) {
    const key = JSON.stringify([row.platform, row.creative_id]);
    byCreative.set(key, [...(byCreative.get(key) ?? []), row]);
  }
  const statuses = [...byCreative.values()].map((points) => {
    const first = points[0]!;
    const daily = points.map((p) => ({ day: p.day, impressions: p.impressions, clicks: p.clicks }));
    const fatigue = evaluateFatigue(daily, params);
    const decay = ctrDecay(daily, first.first_seen_on, DECAY_MIN_DAILY_IMPRESSIONS);
    return {
      platform: first.platform,
      creativeId: first.creative_id,
      status: fatigue.status,
      fatiguedSince: fatigue.fatiguedSince,
      peakCtr: fatigue.peakCtr,
      peakDay: fatigue.peakDay,
      currentCtr: fatigue.currentCtr,
      dropShare: fatigue.dropShare,
      cumulativeImpressions: fatigue.cumulativeImpressions,
      decaySlope: decay.slope,
      reason: fatigue.reason,
    };
  });
  const fatigue = statuses.length === 0 ? 0 : await tx.oneFirst(sql.type(countRow)`
    WITH upserted AS (
      INSERT INTO creative_fatigue AS f (company_id, platform, creative_id, as_of, status, fatigued_since, peak_ctr, peak_day, current_ctr, drop_share,
        cumulative_impressions, decay_slope, reason, params)
      SELECT ${companyId}, platform, "creativeId", ${day}::date, status, "fatiguedSince", "peakCtr", "peakDay", "currentCtr", "dropShare",
        "cumulativeImpressions", "decaySlope", reason, ${sql.jsonb(params)}
      FROM jsonb_to_recordset(${sql.jsonb(statuses)}) AS t(platform text, "creativeId" text, status text, "fatiguedSince" date, "peakCtr" numeric,
        "peakDay" date, "currentCtr" numeric, "dropShare" numeric, "cumulativeImpressions" bigint, "decaySlope" numeric, reason text)
      ON CONFLICT (company_id, platform, creative_id) DO UPDATE SET as_of = EXCLUDED.as_of, status = EXCLUDED.status,
        fatigued_since = EXCLUDED.fatigued_since, peak_ctr = EXCLUDED.peak_ctr, peak_day = EXCLUDED.peak_day, current_ctr = EXCLUDED.current_ctr,
        drop_share = EXCLUDED.drop_share, cumulative_impressions = EXCLUDED.cumulative_impressions, decay_slope = EXCLUDED.decay_slope,
        reason = EXCLUDED.reason, params = EXCLUDED.params, computed_at = now()
      -- a backfill of an older day never replaces the status of a newer one
      WHERE EXCLUDED.as_of >= f.as_of
      RETURNING 1
    )
    SELECT count(*) AS n FROM upserted`);
  return { creatives: fromAds + fromEvents, agg_daily_creatives: rows, creative_fatigue: fatigue };
}
