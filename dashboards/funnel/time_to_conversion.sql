-- title: Time to conversion
-- visualization: bar
-- chart: bar x=time_to_conversion y=orders
-- description: Orders of the range by the time from their first touch to the purchase (buckets of lib/metrics/time-to-conversion.ts), their share and the average hours within each bucket.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_time_to_conversion
WITH buckets AS (
  SELECT bucket, label, sum(orders) AS orders, sum(total_seconds) AS total_seconds
  FROM agg_daily_time_to_conversion
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY bucket, label
)
SELECT label AS time_to_conversion, orders,
  round(orders / nullif(sum(orders) OVER (), 0), 4) AS share,
  CASE WHEN bucket > 0 THEN round(total_seconds / nullif(orders, 0) / 3600, 2) END AS average_hours
FROM buckets
ORDER BY bucket
