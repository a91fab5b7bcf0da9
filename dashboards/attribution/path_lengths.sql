-- title: Path lengths
-- visualization: bar
-- chart: bar x=touches y=orders
-- description: Counted orders purchased in the range by how many candidate touches (sessions in the 30-day lookback) their path has; 0 = no session found.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_attribution_paths
SELECT touch_count AS touches, sum(orders)::bigint AS orders, round(sum(orders) / sum(sum(orders)) OVER (), 4) AS share
FROM agg_daily_attribution_paths
WHERE company_id = {{company_id}}
  [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
GROUP BY touch_count
ORDER BY touch_count
