-- title: CTR by concept angle
-- visualization: bar
-- chart: bar x=concept_angle y=ctr
-- description: Impressions, clicks and CTR per concept angle (the creative's angle on the day, else the one recorded on the creative), with how many creatives carry it and how many are fatigued now.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_creatives, creatives, creative_fatigue
WITH days AS (
  SELECT d.platform, d.creative_id, coalesce(d.concept_angle, cr.concept_angle, '(none)') AS concept_angle, d.impressions, d.clicks
  FROM agg_daily_creatives d
  LEFT JOIN creatives cr ON cr.company_id = d.company_id AND cr.platform = d.platform AND cr.creative_id = d.creative_id
  WHERE d.company_id = {{company_id}} [[ AND d.day >= {{date_from}}::date ]] [[ AND d.day <= {{date_to}}::date ]]
)
SELECT concept_angle, count(DISTINCT (d.platform, d.creative_id)) AS creatives,
  count(DISTINCT (d.platform, d.creative_id)) FILTER (WHERE f.status = 'fatigued') AS fatigued_creatives,
  sum(impressions) AS impressions, sum(clicks) AS clicks, round(sum(clicks) / nullif(sum(impressions), 0), 4) AS ctr
FROM days d
LEFT JOIN creative_fatigue f ON f.company_id = {{company_id}} AND f.platform = d.platform AND f.creative_id = d.creative_id
GROUP BY concept_angle
ORDER BY ctr DESC NULLS LAST, concept_angle
