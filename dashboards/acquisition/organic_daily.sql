-- title: Organic search and social per day
-- visualization: line
-- chart: line x=day y=search_clicks,social_engagements
-- description: Per day: Google Search Console clicks, impressions, CTR (clicks / impressions) and average position (weighted by impressions) over query × page rows, the top query by clicks, and organic social reach, impressions, engagements and follower change summed over Facebook Pages, Instagram accounts and X accounts. Search appearance rows are a separate grain and are not added in.
-- variables: company_id (required), date_from, date_to
-- reads: search_console_daily, social_page_daily
WITH search AS (
  SELECT day, sum(clicks) AS clicks, sum(impressions) AS impressions, sum(position * impressions) AS position_weight
  FROM search_console_daily
  WHERE company_id = {{company_id}} AND grain = 'query_page' [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY day
),
queries AS (
  SELECT day, query, sum(clicks) AS clicks
  FROM search_console_daily
  WHERE company_id = {{company_id}} AND grain = 'query_page' [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY day, query
),
top_query AS (
  SELECT DISTINCT ON (day) day, query FROM queries WHERE clicks > 0 ORDER BY day, clicks DESC, query
),
social AS (
  SELECT day, sum(reach) AS reach, sum(impressions) AS impressions, sum(engagements) AS engagements, sum(follower_delta) AS follower_delta
  FROM social_page_daily
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY day
),
final AS (
  SELECT
    coalesce(s.day, o.day) AS day,
    -- section: search
    coalesce(s.clicks, 0) AS search_clicks,
    coalesce(s.impressions, 0) AS search_impressions,
    round(s.clicks::numeric / nullif(s.impressions, 0), 4) AS search_ctr,
    round((s.position_weight / nullif(s.impressions, 0))::numeric, 2) AS search_position,
    t.query AS top_query,
    -- section: social
    coalesce(o.reach, 0) AS social_reach,
    coalesce(o.impressions, 0) AS social_impressions,
    coalesce(o.engagements, 0) AS social_engagements,
    coalesce(o.follower_delta, 0) AS follower_change
  FROM search s
  FULL JOIN social o ON o.day = s.day
  LEFT JOIN top_query t ON t.day = coalesce(s.day, o.day)
)
SELECT * FROM final ORDER BY day
