-- title: Campaigns: sessions, revenue and ROAS
-- visualization: table
-- description: Per channel, source / medium and campaign over the range: sessions, qualified sessions, orders and revenue by last touch, spend, clicks and ROAS. Money in the reporting currency.
-- variables: company_id (required), date_from, date_to, channel
-- reads: agg_daily_acquisition, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
campaigns AS (
  SELECT channel, source || ' / ' || medium AS source_medium, campaign, sum(sessions) AS sessions, sum(qualified_sessions) AS qualified_sessions,
    sum(orders_last_touch) AS orders, sum(revenue_last_touch_minor) AS revenue_minor, sum(spend_minor) AS spend_minor, sum(clicks) AS clicks
  FROM agg_daily_acquisition
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]] [[ AND channel = {{channel}} ]]
  GROUP BY channel, source, medium, campaign
)
SELECT channel, source_medium, campaign, sessions, qualified_sessions, orders, round(revenue_minor / c.unit, 2) AS revenue,
  round(spend_minor / c.unit, 2) AS spend, clicks, round(revenue_minor / nullif(spend_minor, 0), 4) AS roas
FROM campaigns CROSS JOIN company c
WHERE sessions > 0 OR orders > 0 OR spend_minor > 0
ORDER BY revenue_minor DESC, sessions DESC, channel, source_medium, campaign
