-- title: Creatives: CTR, spend and fatigue
-- visualization: table
-- description: Per creative over the range: impressions, clicks, CTR (clicks / impressions), spend (reporting currency), landing sessions and purchases, and its fatigue status as of the latest rolled-up day (lib/creatives/fatigue.ts: fatigued when the rolling CTR fell far enough below its peak), with the drop from the peak.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_creatives, creatives, creative_fatigue, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
perf AS (
  SELECT platform, creative_id, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(spend_reporting_minor) AS spend_minor,
    sum(sessions) AS sessions, sum(purchases) AS purchases
  FROM agg_daily_creatives
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY platform, creative_id
)
SELECT p.platform, coalesce(cr.name, p.creative_id) AS creative, coalesce(cr.concept_angle, '(none)') AS concept_angle,
  p.impressions, p.clicks, round(p.clicks / nullif(p.impressions, 0), 4) AS ctr, round(p.spend_minor / c.unit, 2) AS spend,
  p.sessions, p.purchases, coalesce(f.status, 'insufficient_data') AS fatigue, f.fatigued_since, round(f.drop_share, 4) AS drop_from_peak
FROM perf p
CROSS JOIN company c
LEFT JOIN creatives cr ON cr.company_id = {{company_id}} AND cr.platform = p.platform AND cr.creative_id = p.creative_id
LEFT JOIN creative_fatigue f ON f.company_id = {{company_id}} AND f.platform = p.platform AND f.creative_id = p.creative_id
ORDER BY p.impressions DESC, p.platform, p.creative_id
