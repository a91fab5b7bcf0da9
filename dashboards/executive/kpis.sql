-- title: Headline KPIs vs the previous period
-- visualization: table
-- description: Revenue (gross, reporting currency), orders, AOV, ad spend, blended CAC, paid ROAS (last touch), MER, new customers and returning-customer orders for the date range, beside the same number of days just before it. Money in major units of the company's reporting currency.
-- variables: company_id (required), date_from (default: date_to - 29 days), date_to (default: today)
-- reads: agg_daily_revenue, agg_daily_acquisition, companies
WITH params AS (
  SELECT coalesce(NULL [[, {{date_to}}::date]], current_date) AS date_to,
    coalesce(NULL [[, {{date_from}}::date]], coalesce(NULL [[, {{date_to}}::date]], current_date) - 29) AS date_from
),
periods AS (
  SELECT 'current' AS period, date_from AS first_day, date_to AS last_day FROM params
  UNION ALL
  SELECT 'previous', date_from - (date_to - date_from + 1), date_from - 1 FROM params
),
company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
revenue AS (
  SELECT p.period, coalesce(sum(r.orders), 0) AS orders, coalesce(sum(r.new_customers), 0) AS new_customers,
    coalesce(sum(r.orders) FILTER (WHERE NOT r.fx_rate_missing), 0) AS orders_converted,
    coalesce(sum(r.gross_reporting_minor), 0) AS revenue_minor
  FROM periods p
  LEFT JOIN agg_daily_revenue r ON r.company_id = {{company_id}} AND r.day BETWEEN p.first_day AND p.last_day
  GROUP BY p.period
),
acquisition AS (
  SELECT p.period, coalesce(sum(a.spend_minor), 0) AS spend_minor,
    coalesce(sum(a.revenue_last_touch_minor) FILTER (WHERE a.channel IN ('Paid Search', 'Paid Social')), 0) AS paid_revenue_minor
  FROM periods p
  LEFT JOIN agg_daily_acquisition a ON a.company_id = {{company_id}} AND a.day BETWEEN p.first_day AND p.last_day
  GROUP BY p.period
),
measures AS (
  SELECT r.period, r.orders, r.new_customers, r.orders - r.new_customers AS returning_orders,
    round(r.revenue_minor / c.unit, 2) AS revenue,
    round(r.revenue_minor / nullif(r.orders_converted, 0) / c.unit, 2) AS aov,
    round(a.spend_minor / c.unit, 2) AS spend,
    round(a.spend_minor / nullif(r.new_customers, 0) / c.unit, 2) AS cac,
    round(a.paid_revenue_minor::numeric / nullif(a.spend_minor, 0), 4) AS roas,
    round(r.revenue_minor::numeric / nullif(a.spend_minor, 0), 4) AS mer
  FROM revenue r JOIN acquisition a USING (period) CROSS JOIN company c
),
metrics AS (
  SELECT m.period, x.position, x.metric, x.value
  FROM measures m
  CROSS JOIN LATERAL (VALUES
    (1, 'Revenue', m.revenue), (2, 'Orders', m.orders::numeric), (3, 'AOV', m.aov), (4, 'Ad spend', m.spend),
    (5, 'CAC (blended)', m.cac), (6, 'ROAS (paid, last touch)', m.roas), (7, 'MER', m.mer),
    (8, 'New customers', m.new_customers::numeric), (9, 'Returning-customer orders', m.returning_orders::numeric)
  ) AS x (position, metric, value)
),
final AS (
  SELECT cur.position, cur.metric, cur.value AS current, prev.value AS previous,
    round(cur.value / nullif(prev.value, 0) - 1, 4) AS change
  FROM metrics cur
  JOIN metrics prev ON prev.position = cur.position AND prev.period = 'previous'
  WHERE cur.period = 'current'
)
SELECT metric, current, previous, change FROM final ORDER BY position
