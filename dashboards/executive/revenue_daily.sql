-- title: Revenue, orders and spend per day
-- visualization: line
-- chart: line x=day y=revenue,spend
-- description: Gross revenue (reporting currency; orders without an FX rate left out and counted in orders_without_fx_rate), orders and ad spend per company-local day.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_revenue, agg_daily_acquisition, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
revenue AS (
  SELECT day, sum(orders) AS orders, sum(gross_reporting_minor) AS revenue_minor, sum(orders) FILTER (WHERE fx_rate_missing) AS orders_without_fx_rate
  FROM agg_daily_revenue
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY day
),
spend AS (
  SELECT day, sum(spend_minor) AS spend_minor
  FROM agg_daily_acquisition
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY day
),
final AS (
  SELECT day, coalesce(r.orders, 0) AS orders, round(coalesce(r.revenue_minor, 0) / c.unit, 2) AS revenue,
    round(coalesce(s.spend_minor, 0) / c.unit, 2) AS spend, coalesce(r.orders_without_fx_rate, 0) AS orders_without_fx_rate
  FROM revenue r FULL JOIN spend s USING (day) CROSS JOIN company c
)
SELECT * FROM final ORDER BY day
