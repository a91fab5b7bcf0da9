-- title: Top first → last touch channel paths
-- visualization: table
-- description: Counted orders purchased in the range (company-local days) by their first-touch and last-touch channel (Attribution V1, docs/attribution.md), with revenue in the order currency (never summed across currencies) and the average number of touches. '(unattributed)' when an order has no touch.
-- variables: company_id (required), date_from, date_to, channel (last-touch channel)
-- reads: agg_daily_attribution_paths
SELECT first_touch_channel || ' → ' || last_touch_channel AS path, currency, sum(orders)::bigint AS orders,
  round(sum(revenue_minor) / power(10::numeric, currency_minor_digits(currency)), 2) AS revenue,
  round(sum(touch_count * orders) / sum(orders), 2) AS average_touches
FROM agg_daily_attribution_paths
WHERE company_id = {{company_id}}
  [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  [[ AND last_touch_channel = {{channel}} ]]
GROUP BY first_touch_channel, last_touch_channel, currency
ORDER BY orders DESC, sum(revenue_minor) DESC, path, currency
LIMIT 50
