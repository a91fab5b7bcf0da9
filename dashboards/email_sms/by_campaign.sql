-- title: Email and SMS campaigns
-- visualization: table
-- description: Per channel and campaign over the range, the same rates as the channel view (denominators: delivered; revenue per send over sends). '(no campaign)' for sends that name none.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_messages, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
campaigns AS (
  SELECT channel, coalesce(nullif(campaign_id, ''), '(no campaign)') AS campaign, sum(sends) AS sends, sum(delivered) AS delivered,
    sum(opened) AS opened, sum(clicked) AS clicked, sum(unsubscribed) + sum(opted_out) AS unsubscribed, sum(complained) AS complained,
    sum(attributed_revenue_minor) AS revenue_minor
  FROM agg_daily_messages
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY channel, coalesce(nullif(campaign_id, ''), '(no campaign)')
)
SELECT channel, campaign, sends, delivered, round(delivered::numeric / nullif(sends, 0), 4) AS delivery_rate,
  CASE WHEN channel = 'email' THEN round(opened::numeric / nullif(delivered, 0), 4) END AS open_rate,
  round(clicked::numeric / nullif(delivered, 0), 4) AS click_rate, round(revenue_minor / c.unit, 2) AS revenue,
  round(revenue_minor::numeric / nullif(sends, 0) / c.unit, 4) AS revenue_per_send,
  round(unsubscribed::numeric / nullif(delivered, 0), 4) AS unsubscribe_rate, round(complained::numeric / nullif(delivered, 0), 4) AS complaint_rate
FROM campaigns CROSS JOIN company c
ORDER BY revenue_minor DESC, sends DESC, channel, campaign
