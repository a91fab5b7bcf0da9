-- title: Experiments per month: launched, decided, days to decision, win rate
-- visualization: bar
-- chart: bar x=month y=launched,decided
-- description: Per month: experiments launched (by launch day), experiments decided (by decision day), the median days from launch to decision of those decided, and the win rate (wins / decided; inconclusive counts as not a win).
-- variables: company_id (required), date_from, date_to
-- reads: experiments
WITH launched AS (
  SELECT date_trunc('month', launched_on)::date AS month, count(*) AS launched
  FROM experiments
  WHERE company_id = {{company_id}} [[ AND launched_on >= {{date_from}}::date ]] [[ AND launched_on <= {{date_to}}::date ]]
  GROUP BY 1
),
decided AS (
  SELECT date_trunc('month', decided_on)::date AS month, count(*) AS decided, count(*) FILTER (WHERE outcome = 'win') AS wins,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY decided_on - launched_on) AS median_days
  FROM experiments
  WHERE company_id = {{company_id}} AND decided_on IS NOT NULL [[ AND decided_on >= {{date_from}}::date ]] [[ AND decided_on <= {{date_to}}::date ]]
  GROUP BY 1
)
SELECT to_char(month, 'YYYY-MM') AS month, coalesce(l.launched, 0) AS launched, coalesce(d.decided, 0) AS decided,
  round(d.median_days::numeric, 1) AS median_days_to_decision, round(d.wins::numeric / nullif(d.decided, 0), 4) AS win_rate
FROM launched l FULL JOIN decided d USING (month)
ORDER BY month
