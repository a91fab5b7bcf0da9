-- title: Email and SMS: delivery, engagement and revenue
-- visualization: table
-- chart: bar x=channel y=delivery_rate,open_rate,click_rate
-- description: Per channel over the range: sends, delivered and the delivery rate (delivered / sends), open rate (sends opened / delivered; email only, machine opens included, human_open_rate without them), click rate (sends clicked / delivered), attributed revenue and revenue per send, unsubscribe rate (unsubscribes and SMS opt-outs / delivered) and complaint rate (complaints / delivered). Revenue in the reporting currency.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_messages, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
channels AS (
  SELECT channel, sum(sends) AS sends, sum(delivered) AS delivered, sum(opened) AS opened, sum(opened_by_person) AS opened_by_person,
    sum(clicked) AS clicked, sum(unsubscribed) + sum(opted_out) AS unsubscribed, sum(complained) AS complained,
    sum(attributed_orders) AS orders, sum(attributed_revenue_minor) AS revenue_minor
  FROM agg_daily_messages
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY channel
)
SELECT channel, sends, delivered, round(delivered::numeric / nullif(sends, 0), 4) AS delivery_rate,
  CASE WHEN channel = 'email' THEN round(opened::numeric / nullif(delivered, 0), 4) END AS open_rate,
  CASE WHEN channel = 'email' THEN round(opened_by_person::numeric / nullif(delivered, 0), 4) END AS human_open_rate,
  round(clicked::numeric / nullif(delivered, 0), 4) AS click_rate, orders, round(revenue_minor / c.unit, 2) AS revenue,
  round(revenue_minor::numeric / nullif(sends, 0) / c.unit, 4) AS revenue_per_send,
  round(unsubscribed::numeric / nullif(delivered, 0), 4) AS unsubscribe_rate, round(complained::numeric / nullif(delivered, 0), 4) AS complaint_rate
FROM channels CROSS JOIN company c
ORDER BY channel
