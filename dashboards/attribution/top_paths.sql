-- title: Top first → last touch channel paths
-- visualization: table
-- description: Counted orders purchased in the range (company-local days) by their first-touch and last-touch channel (Attribution V1, docs/attribution.md), with revenue in the order currency (never summed across currencies) and the average number of touches. '(unattributed)' when an order has no touch.
-- variables: company_id (required), date_from, date_to, channel (last-touch channel)
-- reads: fct_order_attribution, companies
WITH company AS (
  SELECT time_zone FROM companies WHERE company_id = {{company_id}}
),
orders AS (
  SELECT coalesce(a.first_touch_channel, '(unattributed)') AS first_touch_channel, coalesce(a.last_touch_channel, '(unattributed)') AS last_touch_channel,
    a.currency, a.revenue_minor, a.touch_count
  FROM fct_order_attribution a CROSS JOIN company c
  WHERE a.company_id = {{company_id}}
    [[ AND (a.purchased_at AT TIME ZONE c.time_zone)::date >= {{date_from}}::date ]] [[ AND (a.purchased_at AT TIME ZONE c.time_zone)::date <= {{date_to}}::date ]]
    [[ AND coalesce(a.last_touch_channel, '(unattributed)') = {{channel}} ]]
)
SELECT first_touch_channel || ' → ' || last_touch_channel AS path, currency, count(*) AS orders,
  round(sum(revenue_minor) / power(10::numeric, currency_minor_digits(currency)), 2) AS revenue, round(avg(touch_count), 2) AS average_touches
FROM orders
GROUP BY first_touch_channel, last_touch_channel, currency
ORDER BY orders DESC, sum(revenue_minor) DESC, path, currency
LIMIT 50
