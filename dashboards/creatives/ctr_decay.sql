-- title: CTR decay by days since first impression
-- visualization: line
-- chart: line x=days_since_first y=ctr series=creative
-- description: Each creative's daily CTR against the days since its first impression, and its cumulative impressions: a falling line is decay (the fatigue flag in the creatives table says when it counts as fatigue).
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_creatives, creatives
SELECT coalesce(cr.name, d.creative_id) AS creative, d.days_since_first, d.day, d.impressions, d.clicks,
  round(d.clicks::numeric / nullif(d.impressions, 0), 4) AS ctr, d.cumulative_impressions
FROM agg_daily_creatives d
LEFT JOIN creatives cr ON cr.company_id = d.company_id AND cr.platform = d.platform AND cr.creative_id = d.creative_id
WHERE d.company_id = {{company_id}} [[ AND d.day >= {{date_from}}::date ]] [[ AND d.day <= {{date_to}}::date ]] AND d.impressions > 0
ORDER BY creative, d.days_since_first
