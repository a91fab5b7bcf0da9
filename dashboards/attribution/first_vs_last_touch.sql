-- title: First vs last touch revenue by channel
-- visualization: bar
-- chart: bar x=channel y=first_touch_revenue,last_touch_revenue
-- description: Revenue of the range credited to each channel by first touch and by last (non-direct) touch, in the reporting currency (orders without an FX rate left out), and the difference: channels that open journeys versus channels that close them.
-- variables: company_id (required), date_from, date_to, channel
-- reads: agg_daily_acquisition, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
channels AS (
  SELECT channel, sum(orders_first_touch) AS first_touch_orders, sum(revenue_first_touch_minor) AS first_minor,
    sum(orders_last_touch) AS last_touch_orders, sum(revenue_last_touch_minor) AS last_minor
  FROM agg_daily_acquisition
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]] [[ AND channel = {{channel}} ]]
  GROUP BY channel
)
SELECT channel, first_touch_orders, round(first_minor / c.unit, 2) AS first_touch_revenue, last_touch_orders,
  round(last_minor / c.unit, 2) AS last_touch_revenue, round((first_minor - last_minor) / c.unit, 2) AS first_minus_last
FROM channels CROSS JOIN company c
WHERE first_minor > 0 OR last_minor > 0 OR first_touch_orders > 0 OR last_touch_orders > 0
ORDER BY greatest(first_minor, last_minor) DESC, channel
