-- title: Path lengths
-- visualization: bar
-- chart: bar x=touches y=orders
-- description: Counted orders purchased in the range by how many candidate touches (sessions in the 30-day lookback) their path has; 0 = no session found.
-- variables: company_id (required), date_from, date_to
-- reads: fct_order_attribution, companies
WITH company AS (
  SELECT time_zone FROM companies WHERE company_id = {{company_id}}
)
SELECT a.touch_count AS touches, count(*) AS orders, round(count(*)::numeric / sum(count(*)) OVER (), 4) AS share
FROM fct_order_attribution a CROSS JOIN company c
WHERE a.company_id = {{company_id}}
  [[ AND (a.purchased_at AT TIME ZONE c.time_zone)::date >= {{date_from}}::date ]] [[ AND (a.purchased_at AT TIME ZONE c.time_zone)::date <= {{date_to}}::date ]]
GROUP BY a.touch_count
ORDER BY a.touch_count
