-- title: Sessions, revenue and ROAS by channel
-- visualization: bar
-- chart: bar x=channel y=revenue,spend
-- description: Per channel over the range: sessions, qualified session rate, orders and revenue credited by last touch, ad spend, ROAS (last-touch revenue / spend) and CAC (spend / new customers by first touch). Money in the reporting currency.
-- variables: company_id (required), date_from, date_to, channel
-- reads: agg_daily_acquisition, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
channels AS (
  SELECT channel, sum(sessions) AS sessions, sum(qualified_sessions) AS qualified_sessions, sum(orders_last_touch) AS orders,
    sum(revenue_last_touch_minor) AS revenue_minor, sum(spend_minor) AS spend_minor, sum(new_customers_first_touch) AS new_customers
  FROM agg_daily_acquisition
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]] [[ AND channel = {{channel}} ]]
  GROUP BY channel
)
SELECT channel, sessions, round(qualified_sessions / nullif(sessions, 0), 4) AS qualified_session_rate, orders,
  round(revenue_minor / c.unit, 2) AS revenue, round(spend_minor / c.unit, 2) AS spend,
  round(revenue_minor / nullif(spend_minor, 0), 4) AS roas,
  CASE WHEN spend_minor > 0 THEN round(spend_minor / nullif(new_customers, 0) / c.unit, 2) END AS cac
FROM channels CROSS JOIN company c
ORDER BY revenue_minor DESC, sessions DESC, channel
